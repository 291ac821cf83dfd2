#pragma once

namespace ml::cli {

// `modulelab-cli grad ...` and `modulelab-cli train ...`.
bool isTrainCommand(int argc, char** argv);
int runTrainCommand(int argc, char** argv);
const char* trainUsage();

} // namespace ml::cli
