// kind: vm: validated config (the shared box spec; see models/workloads/common/box_spec.hpp).
#pragma once

#include "models/workloads/common/box_spec.hpp"
