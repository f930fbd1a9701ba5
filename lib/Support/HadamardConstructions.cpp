//===- HadamardConstructions.cpp - Hadamard matrix constructions ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Builds the ±1 Hadamard factors H_K from first principles (no copied
// tables):
//
//   order  construction
//   2^m    Sylvester
//   12     Paley I,  q = 11
//   20     Paley I,  q = 19
//   28     Paley I,  q = 27 (over GF(27) = GF(3)[x]/(irreducible cubic))
//   36     Paley II, q = 17
//   40     Sylvester doubling of the order-20 Paley I matrix
//   44     Paley I,  q = 43
//   52     Paley II, q = 25 (over GF(25) = GF(5)[x]/(irreducible quadratic))
//   60     Paley I,  q = 59
//   108    Paley I,  q = 107
//   140    Paley I,  q = 139
//   156    Goethals–Seidel array, four circulants of length 39
//   172    Goethals–Seidel array, four symmetric circulants of length 43
//          (Williamson matrices)
//
// The length-39 and length-43 first rows are the only data in this file;
// the comment above getGoethalsSeidelRows() says how they were found.
//
//===----------------------------------------------------------------------===//

#include "HadamardConstructions.h"

#include "llvm/ADT/bit.h"

#include <cassert>
#include <cstddef>
#include <optional>

namespace mlir::ost::detail {

namespace {

/// A finite field GF(p^e), e <= 3, with elements encoded as the integers
/// 0 .. q-1 whose base-p digits are the polynomial coefficients (digit i is
/// the coefficient of x^i). Only what Paley needs: subtraction and the
/// quadratic character.
class GaloisField {
public:
  /// Returns the field of order q, or std::nullopt if q is not a prime power
  /// p^e with e <= 3.
  static std::optional<GaloisField> get(int64_t q) {
    if (q < 2)
      return std::nullopt;
    int64_t p = 2;
    while (p * p <= q && q % p != 0)
      ++p;
    if (q % p != 0)
      p = q; // q is prime.
    int64_t e = 0;
    for (int64_t r = q; r > 1; r /= p) {
      if (r % p != 0)
        return std::nullopt;
      ++e;
    }
    if (e > 3)
      return std::nullopt;
    GaloisField field(p, e, q);
    if (!field.findModulus())
      return std::nullopt;
    field.computeSquares();
    return field;
  }

  int64_t size() const { return q; }

  int64_t sub(int64_t a, int64_t b) const {
    int64_t result = 0, scale = 1;
    for (int64_t i = 0; i < e; ++i, a /= p, b /= p, scale *= p)
      result += (((a % p) - (b % p) + p) % p) * scale;
    return result;
  }

  /// The quadratic character: 0 for 0, +1 for nonzero squares, -1 otherwise.
  int chi(int64_t a) const { return a == 0 ? 0 : (isSquare[a] ? 1 : -1); }

private:
  GaloisField(int64_t p, int64_t e, int64_t q) : p(p), e(e), q(q) {}

  std::vector<int64_t> digits(int64_t a) const {
    std::vector<int64_t> d(e);
    for (int64_t i = 0; i < e; ++i, a /= p)
      d[i] = a % p;
    return d;
  }

  int64_t mul(int64_t a, int64_t b) const {
    if (e == 1)
      return a * b % p;
    std::vector<int64_t> da = digits(a), db = digits(b);
    std::vector<int64_t> prod(2 * e - 1, 0);
    for (int64_t i = 0; i < e; ++i)
      for (int64_t j = 0; j < e; ++j)
        prod[i + j] = (prod[i + j] + da[i] * db[j]) % p;
    // x^e = -(m_0 + m_1 x + ... + m_{e-1} x^{e-1}).
    for (int64_t d = 2 * e - 2; d >= e; --d) {
      int64_t c = prod[d];
      prod[d] = 0;
      for (int64_t i = 0; i < e; ++i)
        prod[d - e + i] = ((prod[d - e + i] - c * modulus[i]) % p + p) % p;
    }
    int64_t result = 0;
    for (int64_t i = e - 1; i >= 0; --i)
      result = result * p + prod[i];
    return result;
  }

  /// Picks a monic polynomial of degree e with no root in GF(p); for e <= 3
  /// that makes it irreducible.
  bool findModulus() {
    if (e == 1)
      return true;
    int64_t count = 1;
    for (int64_t i = 0; i < e; ++i)
      count *= p;
    for (int64_t code = 0; code < count; ++code) {
      std::vector<int64_t> m = digits(code);
      bool hasRoot = false;
      for (int64_t x = 0; x < p && !hasRoot; ++x) {
        int64_t value = 1; // Horner on x^e + m_{e-1} x^{e-1} + ... + m_0.
        for (int64_t i = e - 1; i >= 0; --i)
          value = (value * x + m[i]) % p;
        hasRoot = value == 0;
      }
      if (!hasRoot) {
        modulus = m;
        return true;
      }
    }
    return false;
  }

  void computeSquares() {
    isSquare.assign(q, false);
    for (int64_t x = 1; x < q; ++x)
      isSquare[mul(x, x)] = true;
  }

  int64_t p, e, q;
  std::vector<int64_t> modulus; // m_0 .. m_{e-1} of the monic modulus.
  std::vector<bool> isSquare;
};

/// Parses a first row written as '+' / '-' characters.
std::vector<int8_t> parseSigns(const char *text) {
  std::vector<int8_t> row;
  for (const char *c = text; *c; ++c)
    row.push_back(*c == '+' ? 1 : -1);
  return row;
}

} // namespace

std::vector<int8_t> buildSylvester(int64_t n) {
  if (n < 1 || (n & (n - 1)) != 0)
    return {};
  std::vector<int8_t> h(static_cast<size_t>(n) * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      h[i * n + j] =
          (llvm::popcount(static_cast<uint64_t>(i & j)) & 1) ? -1 : 1;
  return h;
}

std::vector<int8_t> buildPaleyI(int64_t q) {
  std::optional<GaloisField> field = GaloisField::get(q);
  if (!field || q % 4 != 3)
    return {};
  // H = I + S with the skew conference matrix S = [[0, 1ᵀ], [-1, Q]] and the
  // Jacobsthal matrix Q[a][b] = chi(a - b) (skew because chi(-1) = -1).
  int64_t k = q + 1;
  std::vector<int8_t> h(static_cast<size_t>(k) * k);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) {
      int s;
      if (i == 0)
        s = j == 0 ? 0 : 1;
      else if (j == 0)
        s = -1;
      else
        s = field->chi(field->sub(i - 1, j - 1));
      h[i * k + j] = static_cast<int8_t>(i == j ? 1 : s);
    }
  return h;
}

std::vector<int8_t> buildPaleyII(int64_t q) {
  std::optional<GaloisField> field = GaloisField::get(q);
  if (!field || q % 4 != 1)
    return {};
  // The symmetric conference matrix C = [[0, 1ᵀ], [1, Q]] (chi(-1) = +1), then
  // H = C ⊗ [[1, 1], [1, -1]] + I ⊗ [[1, -1], [-1, -1]].
  int64_t c = q + 1, k = 2 * c;
  std::vector<int8_t> h(static_cast<size_t>(k) * k);
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = 0; j < c; ++j) {
      int entry;
      if (i == 0 || j == 0)
        entry = i == j ? 0 : 1;
      else
        entry = field->chi(field->sub(i - 1, j - 1));
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 2; ++b) {
          int value = entry == 0 ? (a == 0 && b == 0 ? 1 : -1)
                                 : entry * (a == 1 && b == 1 ? -1 : 1);
          h[(2 * i + a) * k + 2 * j + b] = static_cast<int8_t>(value);
        }
    }
  return h;
}

std::vector<int8_t> buildDoubling(const std::vector<int8_t> &h, int64_t k) {
  return buildKronecker(buildSylvester(2), 2, h, k);
}

std::vector<int8_t> buildKronecker(const std::vector<int8_t> &a, int64_t ka,
                                   const std::vector<int8_t> &b, int64_t kb) {
  if (a.size() != static_cast<size_t>(ka * ka) ||
      b.size() != static_cast<size_t>(kb * kb) || a.empty() || b.empty())
    return {};
  int64_t k = ka * kb;
  std::vector<int8_t> h(static_cast<size_t>(k) * k);
  for (int64_t i = 0; i < ka; ++i)
    for (int64_t p = 0; p < kb; ++p) {
      int8_t *row = &h[static_cast<size_t>(i * kb + p) * k];
      for (int64_t j = 0; j < ka; ++j) {
        int8_t s = a[i * ka + j];
        for (int64_t q = 0; q < kb; ++q)
          row[j * kb + q] = static_cast<int8_t>(s * b[p * kb + q]);
      }
    }
  return h;
}

std::vector<int8_t> buildGoethalsSeidel(const std::vector<int8_t> &a,
                                        const std::vector<int8_t> &b,
                                        const std::vector<int8_t> &c,
                                        const std::vector<int8_t> &d) {
  const std::vector<int8_t> *seqs[4] = {&a, &b, &c, &d};
  int64_t n = static_cast<int64_t>(a.size());
  if (n == 0)
    return {};
  for (const std::vector<int8_t> *s : seqs)
    if (static_cast<int64_t>(s->size()) != n)
      return {};
  // Σ PAF(t) = 0 for t != 0 is exactly A·Aᵀ + B·Bᵀ + C·Cᵀ + D·Dᵀ = 4n·I.
  for (int64_t t = 1; t < n; ++t) {
    int64_t sum = 0;
    for (const std::vector<int8_t> *s : seqs)
      for (int64_t i = 0; i < n; ++i)
        sum += (*s)[i] * (*s)[(i + t) % n];
    if (sum != 0)
      return {};
  }
  // With X the circulant X[i][j] = x[(j - i) mod n] and R the back identity,
  //   (X·R)[i][j]  = x[(n - 1 - i - j) mod n],
  //   (Xᵀ·R)[i][j] = x[(i + j + 1) mod n],
  // and the array is
  //   [  A     BR     CR     DR  ]
  //   [ -BR    A      DᵀR   -CᵀR ]
  //   [ -CR   -DᵀR    A      BᵀR ]
  //   [ -DR    CᵀR   -BᵀR    A   ]
  enum Kind { Circ, XR, XtR };
  struct Block {
    int seq;
    Kind kind;
    int sign;
  };
  static const Block kArray[4][4] = {
      {{0, Circ, 1}, {1, XR, 1}, {2, XR, 1}, {3, XR, 1}},
      {{1, XR, -1}, {0, Circ, 1}, {3, XtR, 1}, {2, XtR, -1}},
      {{2, XR, -1}, {3, XtR, -1}, {0, Circ, 1}, {1, XtR, 1}},
      {{3, XR, -1}, {2, XtR, 1}, {1, XtR, -1}, {0, Circ, 1}}};
  int64_t k = 4 * n;
  std::vector<int8_t> h(static_cast<size_t>(k) * k);
  for (int64_t bi = 0; bi < 4; ++bi)
    for (int64_t bj = 0; bj < 4; ++bj) {
      const Block &block = kArray[bi][bj];
      const std::vector<int8_t> &x = *seqs[block.seq];
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
          int64_t index = 0;
          switch (block.kind) {
          case Circ:
            index = ((j - i) % n + n) % n;
            break;
          case XR:
            index = (((n - 1 - i - j) % n) + n) % n;
            break;
          case XtR:
            index = (i + j + 1) % n;
            break;
          }
          h[(bi * n + i) * k + bj * n + j] =
              static_cast<int8_t>(block.sign * x[index]);
        }
    }
  return h;
}

/// First rows for the Goethals–Seidel orders. They were found by an offline
/// exhaustive search written for ost (C++, run once; not part of the build):
/// fix a subgroup G of the multipliers Z_n^*, take only ±1 sequences that are
/// constant on the G-orbits of Z_n (so their periodic autocorrelations are
/// constant on G-orbits of shifts too), keep those whose power spectral
/// density is <= 4n at every frequency, and match pairs (A, B) against pairs
/// (C, D) on the orbit-wise autocorrelation sums (meet in the middle), for
/// every split of 4n into four odd squares. Each hit was checked at every
/// shift; buildGoethalsSeidel() re-checks Σ PAF = 0 and the unit tests check
/// H·Hᵀ = 4n·I.
///   n = 43: G = <37> = {±1, ±6, ±7} (order 6, contains -1, so the sequences
///           are symmetric: these are Williamson matrices). Row sums
///           7, 7, 7, 5 (49 + 49 + 49 + 25 = 172). Found in milliseconds.
///   n = 39: G = {1, 16, 22} (order 3). Row sums 7, 7, 7, 3
///           (49 + 49 + 49 + 9 = 156). The symmetric search with
///           G = {±1, ±16, ±22} has no solution; this one takes < 1 s.
std::vector<std::vector<int8_t>> getGoethalsSeidelRows(int64_t n) {
  static const char *const kRows43[4] = {
      "++-+-++++-+--+--+++--++--+++--+--+-++++-+-+",
      "+-++-----++++-+-+++-++++-+++-+-++++-----++-",
      "+++++-++----+-++--++-++-++--++-+----++-++++",
      "---+++--++-+-+-+--++++++++--+-+-+-++--+++--"};
  static const char *const kRows39[4] = {
      "++++-++--+---+-+++++-++++--++--+++----+",
      "-+++++---++-++--++---+++++++--+-++--+-+",
      "+++++++-++++++-++-+-+-+--+-+--+-+---+--",
      "-++-+++---+-+-+++++---++-+---++-+--++-+"};
  const char *const *rows = n == 43 ? kRows43 : n == 39 ? kRows39 : nullptr;
  if (!rows)
    return {};
  std::vector<std::vector<int8_t>> result;
  for (int i = 0; i < 4; ++i)
    result.push_back(parseSigns(rows[i]));
  return result;
}

std::vector<int8_t> buildKnownHadamard(int64_t k) {
  if (k < 1)
    return {};
  if ((k & (k - 1)) == 0)
    return buildSylvester(k);
  std::vector<int8_t> h;
  if (GaloisField::get(k - 1) && (k - 1) % 4 == 3)
    h = buildPaleyI(k - 1);
  if (h.empty() && k % 2 == 0 && (k / 2 - 1) % 4 == 1 &&
      GaloisField::get(k / 2 - 1))
    h = buildPaleyII(k / 2 - 1);
  if (h.empty() && k % 4 == 0) {
    std::vector<std::vector<int8_t>> rows = getGoethalsSeidelRows(k / 4);
    if (rows.size() == 4)
      h = buildGoethalsSeidel(rows[0], rows[1], rows[2], rows[3]);
  }
  if (h.empty() && k % 2 == 0) {
    std::vector<int8_t> half = buildKnownHadamard(k / 2);
    if (!half.empty())
      h = buildDoubling(half, k / 2);
  }
  return h;
}

bool isHadamard(const std::vector<int8_t> &h, int64_t k) {
  if (k < 1 || h.size() != static_cast<size_t>(k) * k)
    return false;
  for (int8_t v : h)
    if (v != 1 && v != -1)
      return false;
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = i + 1; j < k; ++j) {
      int64_t dot = 0;
      for (int64_t l = 0; l < k; ++l)
        dot += h[i * k + l] * h[j * k + l];
      if (dot != 0)
        return false;
    }
  return true;
}

} // namespace mlir::ost::detail
