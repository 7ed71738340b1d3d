// The transformer example's task, shared by its trainer (transformer.cpp) and its firmware's host test:
// a sequence holds token A (1) and token B (2) once each, at random places, among filler tokens
// (3..vocabulary-1); the class is whether A comes first. A token's own embedding does not say that,
// nor does the mean of them all: the model must compare the two tokens' positions.
#pragma once
#include "encoder.hpp"

namespace transformer {

/// Fills ids with one sequence of `sequence` token ids and returns its class (1: A comes before B).
template <class Id>
int make_sequence(Id* ids, tshape::detail::rng& r) {
  for (int t = 0; t < sequence; ++t) ids[t] = static_cast<Id>(3 + r.next() % (vocabulary - 3));
  const int a = static_cast<int>(r.next() % sequence);
  int b = static_cast<int>(r.next() % (sequence - 1));
  if (b >= a) ++b;
  ids[a] = 1;
  ids[b] = 2;
  return a < b ? 1 : 0;
}

}  // namespace transformer
