#pragma once

// Reading the tensors of a reference file (safetensors written by real PyTorch) in a test: a file
// that cannot be read, or a key it lacks, ends the test with the reason.

#include "engine/io/safetensors.h"

#include <QtGlobal>

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

} // namespace testref
