#pragma once

namespace ml::cli {

// modulelab-cli subset [--format text|json]: the forward ops ModuleLab runs, from the one table.
int printSubset(int argc, char** argv);

} // namespace ml::cli
