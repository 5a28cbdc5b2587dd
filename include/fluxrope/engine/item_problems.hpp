#pragma once
// Every item problem (engine/item_problem.hpp), listed once: each backend translation unit
// instantiates its runner for each entry, X(TypeName).
#include "fluxrope/particles/particle_kernel.hpp"

#define FLUXROPE_ITEM_PROBLEMS(X) X(ParticleProblem)
