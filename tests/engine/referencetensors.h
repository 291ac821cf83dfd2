#pragma once

// Reading the tensors of a reference file (safetensors written by real PyTorch) in a test: a file
// that cannot be read, or a key it lacks, ends the test with the reason.

#include "engine/io/safetensors.h"

#include <QtGlobal>

#include <algorithm>
#include <cmath>
#include <string>
#include <variant>

namespace testref {

inline ml::SafeTensors readOk(const std::string& path)
{
    auto r = ml::readSafeTensors(path);
    if (auto* e = std::get_if<ml::ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    return std::get<ml::SafeTensors>(std::move(r));
}

inline const ml::Tensor& get(const ml::SafeTensors& st, const std::string& key)
{
    const ml::NamedTensor* t = st.find(key);
    if (!t)
        qFatal("reference has no %s", key.c_str());
    return t->tensor;
}

// GOT agrees with PyTorch's WANT when every element is within rel of WANT's scale (its largest
// magnitude) plus absTol, which covers values that are zero in exact arithmetic (a conv bias
// before BatchNorm) where both sides hold rounding noise. Says where it does not.
inline bool close(const ml::Tensor& got, const ml::Tensor& want, const std::string& what, double rel, double absTol)
{
    if (got.numel() != want.numel()) {
        qWarning("%s: %lld elements, PyTorch %lld", what.c_str(), (long long)got.numel(), (long long)want.numel());
        return false;
    }
    double scale = 0.0, worst = 0.0;
    for (int64_t i = 0; i < want.numel(); ++i)
        scale = std::max(scale, std::fabs(double(want[i])));
    for (int64_t i = 0; i < want.numel(); ++i)
        worst = std::max(worst, std::fabs(double(got[i]) - double(want[i])));
    const bool ok = worst <= rel * scale + absTol;
    if (!ok)
        qWarning("%s: differs by %g at scale %g", what.c_str(), worst, scale);
    return ok;
}

} // namespace testref
