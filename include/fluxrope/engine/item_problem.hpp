#pragma once
// Item problems: a product written as one header (docs/architecture.md "Backends"). A problem type
// P is a small struct of values and array pointers with
//   FLUXROPE_HD long n_items() const;     the number of items
//   FLUXROPE_HD void item(long i) const;  item i, which writes its own outputs
//   template <class F> void arrays(F&& f);
//       f(pointer member, element count, ArrayUse) for every array the items read or write,
//       so that a device backend can copy the inputs up, point the members at its copies, and
//       bring the outputs back;
// and is run with run(backend, problem) (engine/backend.hpp). It needs no method on Backend: a
// new problem is one header and one entry in FLUXROPE_ITEM_PROBLEMS (engine/item_problems.hpp),
// which instantiates it in every backend's translation unit (Ginkgo's operation pattern).
namespace fluxrope {

enum class ArrayUse { In, Out };
// Where a backend runs its items.
enum class Engine { Cpu, ThrustHost, Cuda };

// Defined per backend translation unit and instantiated there for every listed problem:
// src/engine/backend.cpp, src/engine/thrust_host_backend.cpp, kernels/cuda_backend.cu (or
// src/engine/no_cuda.cpp).
template <class P>
void run_items_cpu(const P& p);
template <class P>
void run_items_thrust_host(const P& p);
template <class P>
void run_items_cuda(const P& p);

}  // namespace fluxrope
