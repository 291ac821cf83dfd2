#include "engine/train/dataset.h"

#include "engine/imageinput.h"
#include "engine/io/idx.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

namespace ml {

std::variant<Dataset, std::string> loadIdxDataset(const std::string& images, const std::string& labels)
{
    auto r = readIdxDataset(images, labels);
    if (auto* e = std::get_if<std::string>(&r))
        return *e;
    IdxDataset& d = std::get<IdxDataset>(r);
    Dataset out;
    out.count = d.images.count();
    std::vector<int64_t> all(static_cast<size_t>(out.count));
    std::iota(all.begin(), all.end(), 0);
    out.inputs = idxImagesTensor(d.images, all);
    out.targets.classes.assign(d.labels.begin(), d.labels.end());
    return out;
}

IdxSplitFiles idxSplitFiles(const std::string& dir, const std::string& prefix)
{
    namespace fs = std::filesystem;
    auto find = [&](const std::string& name) -> std::string {
        std::error_code ec;
        for (const std::string& candidate : {dir + "/" + name + ".gz", dir + "/" + name})
            if (fs::is_regular_file(candidate, ec))
                return candidate;
        return {};
    };
    IdxSplitFiles f{find(prefix + "-images-idx3-ubyte"), find(prefix + "-labels-idx1-ubyte")};
    if (!f.found())
        f = {};
    return f;
}

std::variant<Dataset, std::string> loadLabelledPictures(const std::string& dir, int height, int width)
{
    const std::string listPath = dir + "/labels.csv";
    std::ifstream list(listPath);
    if (!list)
        return listPath + ": cannot be read";
    std::vector<std::string> files;
    std::vector<int64_t> labels;
    std::string line;
    for (int lineNo = 1; std::getline(list, line); ++lineNo) {
        if (lineNo == 1 && line.rfind("file,", 0) == 0)
            continue;
        if (line.empty())
            continue;
        std::stringstream fields(line);
        std::string file, label;
        std::getline(fields, file, ',');
        std::getline(fields, label, ',');
        char* end = nullptr;
        const long v = std::strtol(label.c_str(), &end, 10);
        if (file.empty() || label.empty() || *end || v < 0 || v > 100000)
            return listPath + ":" + std::to_string(lineNo) + ":1: expected FILE,LABEL_INDEX";
        files.push_back(dir + "/" + file);
        labels.push_back(v);
    }
    if (files.empty())
        return listPath + ": lists no pictures";
    auto t = imagesToTensor(files, 1, height, width);
    if (auto* e = std::get_if<std::string>(&t))
        return *e;
    Dataset out;
    out.inputs = std::move(std::get<Tensor>(t));
    out.count = static_cast<int64_t>(files.size());
    out.targets.classes = std::move(labels);
    return out;
}

void takeBatch(const Dataset& d, const std::vector<int64_t>& order, int64_t begin, int64_t end, Tensor& x, Targets& t)
{
    const int64_t size = d.sampleSize();
    std::vector<int64_t> dims = d.inputs.shape().dims();
    dims[0] = end - begin;
    x = Tensor(Shape(dims));
    t.classes.clear();
    if (d.targets.values) {
        std::vector<int64_t> tdims = d.targets.values->shape().dims();
        tdims[0] = end - begin;
        t.values = Tensor(Shape(tdims));
    }
    const int64_t tsize = d.targets.values ? d.targets.values->numel() / d.count : 0;
    for (int64_t i = begin; i < end; ++i) {
        const int64_t j = order[static_cast<size_t>(i)];
        std::copy_n(d.inputs.data() + j * size, size, x.data() + (i - begin) * size);
        if (d.targets.values)
            std::copy_n(d.targets.values->data() + j * tsize, tsize, t.values->data() + (i - begin) * tsize);
        else if (!d.targets.classes.empty()) // inputs alone: trained against themselves
            t.classes.push_back(d.targets.classes[static_cast<size_t>(j)]);
    }
}

} // namespace ml
