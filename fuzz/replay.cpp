// Runs a libFuzzer target's LLVMFuzzerTestOneInput without libFuzzer, for the test suite: every
// seed file as it is, then mutated copies (bytes flipped, ranges cut or repeated, snippets that
// stress the bounds spliced in) from a fixed random seed until the time budget is spent or, with
// --inputs N, N inputs have run: then every run tries the same inputs (a prefix of them on a slow
// machine), so the result does not depend on how fast the machine is.
//   replay SECONDS [--inputs N] FILE_OR_DIR...
//   (MODULELAB_FUZZ_LAST=FILE keeps the input being run, for a crash)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

const char* const kSnippets[] = {
    "\nwhile True:\n    pass\n",
    "\nfor i in range(10 ** 12):\n    x = i\n",
    "\nx = [0] * 10 ** 9\n",
    "\nx = 'a' * 10 ** 9\n",
    "\ndef f(n):\n    return f(n + 1)\nf(0)\n",
    "((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "\nif True:\n if True:\n  if True:\n   if True:\n    if True:\n     if True:\n      x = 1\n",
    "\nx = 2 ** 10 ** 10\n",
    "\nx = {i: i for i in range(10 ** 8)}\n",
    "\nx = list(range(10 ** 10))\n",
    "\nx = 11111e1111\n",
    "\nx = []\nfor i in range(10 ** 6):\n    x = [x]\ny = str(x)\n",
    "\nx = ()\nfor i in range(10 ** 5):\n    x = (x, x)\n",
    "\ndef g(n):\n    return [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[g(n + 1)]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\ng(0)\n",
    "\nm = nn.Sequential(*[nn.ReLU() for _ in range(10 ** 6)])\n",
    "\nm = nn.Linear(10 ** 6, 10 ** 6)\n",
    "\n        self.w = nn.Parameter(torch.zeros(10 ** 5, 10 ** 5))\n",
    "\n        self.register_buffer('b', torch.ones(3))\n",
    "\n        self.again = self.fc\n",
    "\n        x = x.view(x.size(0), -1)\n",
    "self.", "nn.", "torch.", "(", ")", "[", "]", ":", "\n    ", "lambda", "**", "*", ",", "=", " for ", " in ",
};

std::string readFile(const std::filesystem::path& p)
{
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string mutate(std::string s, std::mt19937_64& rng)
{
    auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
        switch (rng() % 5) {
        case 0: // flip a byte
            if (!s.empty())
                s[pick(s.size())] = static_cast<char>(rng());
            break;
        case 1: { // cut a range
            const size_t at = pick(s.size() + 1);
            s.erase(at, pick(64));
            break;
        }
        case 2: { // repeat a range
            const size_t at = pick(s.size() + 1);
            const std::string piece = s.substr(at, pick(64));
            s.insert(at, piece);
            break;
        }
        default: { // splice in a snippet, at a line start more often than not
            size_t at = pick(s.size() + 1);
            if (rng() % 2) {
                const size_t nl = s.find('\n', at);
                at = nl == std::string::npos ? s.size() : nl;
            }
            s.insert(at, kSnippets[pick(sizeof kSnippets / sizeof kSnippets[0])]);
            break;
        }
        }
    }
    return s;
}

void run(const std::string& input)
{
    if (const char* last = std::getenv("MODULELAB_FUZZ_LAST")) { // the input being run, for a crash
        std::ofstream f(last, std::ios::binary | std::ios::trunc);
        f << input;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s SECONDS [--inputs N] FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    const double budget = std::atof(argv[1]);
    int first = 2;
    long maxInputs = -1;
    if (std::string(argv[2]) == "--inputs" && argc > 4) {
        maxInputs = std::atol(argv[3]);
        first = 4;
    }
    std::vector<std::string> seeds;
    for (int a = first; a < argc; ++a) {
        const std::filesystem::path p(argv[a]);
        if (std::filesystem::is_directory(p)) {
            std::vector<std::filesystem::path> files;
            for (const auto& e : std::filesystem::directory_iterator(p))
                if (e.is_regular_file() && e.path().extension() == ".py")
                    files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files)
                seeds.push_back(readFile(f));
        } else {
            seeds.push_back(readFile(p));
        }
    }
    if (seeds.empty()) {
        std::fprintf(stderr, "no seed files\n");
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    for (const std::string& s : seeds)
        run(s);
    std::mt19937_64 rng(20240601);
    long runs = static_cast<long>(seeds.size());
    while (elapsed() < budget && (maxInputs < 0 || runs < maxInputs)) {
        run(mutate(seeds[static_cast<size_t>(rng() % seeds.size())], rng));
        ++runs;
    }
    std::printf("%ld inputs (%zu seeds) in %.1f s, no failure\n", runs, seeds.size(), elapsed());
    return 0;
}
