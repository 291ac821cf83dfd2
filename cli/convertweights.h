#pragma once

namespace ml::cli {

// modulelab-cli convert-weights IN OUT [--weights-key KEY]: safetensors <-> torch.save (.pt, .pth,
// .bin, .ckpt), each file's format told by its extension (IN by its content first). argv[1] is
// "convert-weights". Returns the process exit code.
int convertWeights(int argc, char** argv);

} // namespace ml::cli
