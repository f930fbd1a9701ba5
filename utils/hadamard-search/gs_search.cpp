// Search for four ±1 sequences of length n, each constant on the orbits of a
// multiplier subgroup H <= Z_n^*, whose periodic autocorrelations sum to zero
// (=> Goethals-Seidel Hadamard matrix of order 4n). Meet in the middle with a
// PSD filter.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>
using namespace std;
int n, r;
vector<int> orbitOf;            // element -> orbit index
vector<vector<int>> orbits;
struct Seq { uint32_t mask; int sum; vector<int8_t> paf; vector<float> psd; };
static uint64_t hashVec(const int *v, int len) {
  uint64_t h = 1469598103934665603ull;
  for (int i = 0; i < len; ++i) { h ^= (uint64_t)(v[i] + 1000); h *= 1099511628211ull; h ^= h >> 29; }
  return h;
}
int main(int argc, char **argv) {
  n = atoi(argv[1]);
  vector<int> gens;
  for (int i = 2; i < argc; ++i) gens.push_back(atoi(argv[i]));
  vector<int> H = {1};
  for (size_t i = 0; i < H.size(); ++i)
    for (int g : gens) { int x = (int)((long)H[i] * g % n); if (find(H.begin(), H.end(), x) == H.end()) H.push_back(x); }
  orbitOf.assign(n, -1);
  for (int x = 0; x < n; ++x) {
    if (orbitOf[x] >= 0) continue;
    vector<int> o;
    for (int h : H) { int y = (int)((long)x * h % n); if (orbitOf[y] < 0) { orbitOf[y] = orbits.size(); o.push_back(y); } }
    orbits.push_back(o);
  }
  r = orbits.size();
  fprintf(stderr, "n=%d |H|=%zu orbits=%d\n", n, H.size(), r);
  int nr = r - 1; // nonzero orbit reps (orbit 0 is {0})
  vector<int> reps; for (int o = 1; o < r; ++o) reps.push_back(orbits[o][0]);
  vector<Seq> all;
  vector<int> a(n);
  for (uint32_t mask = 0; mask < (1u << r); ++mask) {
    int s = 0;
    for (int i = 0; i < n; ++i) { a[i] = (mask >> orbitOf[i] & 1) ? 1 : -1; s += a[i]; }
    if (s < 0) continue;
    Seq q; q.mask = mask; q.sum = s;
    bool ok = true;
    for (int t : reps) { int p = 0; for (int i = 0; i < n; ++i) p += a[i] * a[(i + t) % n]; q.paf.push_back(p); }
    for (int k : reps) {
      double re = 0, im = 0;
      for (int i = 0; i < n; ++i) { double ang = 2 * M_PI * k * i / n; re += a[i] * cos(ang); im += a[i] * sin(ang); }
      double v = re * re + im * im;
      if (v > 4 * n + 1e-6) ok = false;
      q.psd.push_back((float)v);
    }
    if (ok) all.push_back(std::move(q));
  }
  fprintf(stderr, "candidates after PSD filter: %zu\n", all.size());
  // Row-sum quadruples.
  for (int A = 1; A * A <= 4 * n; A += 2)
    for (int B = 1; B <= A; B += 2)
      for (int C = 1; C <= B; C += 2)
        for (int D = 1; D <= C; D += 2) {
          if (A * A + B * B + C * C + D * D != 4 * n) continue;
          auto list = [&](int S) { vector<int> v; for (size_t i = 0; i < all.size(); ++i) if (all[i].sum == S) v.push_back(i); return v; };
          vector<int> LA = list(A), LB = list(B), LC = list(C), LD = list(D);
          auto pairs = [&](const vector<int> &X, const vector<int> &Y, bool same, auto &&fn) {
            for (size_t i = 0; i < X.size(); ++i)
              for (size_t j = same ? i : 0; j < Y.size(); ++j) {
                const Seq &x = all[X[i]], &y = all[Y[j]];
                bool ok = true;
                for (int k = 0; k < nr; ++k) if (x.psd[k] + y.psd[k] > 4 * n + 1e-3) { ok = false; break; }
                if (!ok) continue;
                fn(X[i], Y[j]);
              }
          };
          struct E { uint64_t h; int i, j; };
          vector<E> table;
          vector<int> v(nr);
          pairs(LA, LB, A == B, [&](int i, int j) {
            for (int k = 0; k < nr; ++k) v[k] = all[i].paf[k] + all[j].paf[k];
            table.push_back({hashVec(v.data(), nr), i, j});
          });
          sort(table.begin(), table.end(), [](const E &x, const E &y) { return x.h < y.h; });
          fprintf(stderr, "sums %d %d %d %d: |LA|=%zu |LB|=%zu |LC|=%zu |LD|=%zu pairsAB=%zu\n", A, B, C, D, LA.size(), LB.size(), LC.size(), LD.size(), table.size());
          long found = 0;
          pairs(LC, LD, C == D, [&](int i, int j) {
            if (found) return;
            for (int k = 0; k < nr; ++k) v[k] = -(all[i].paf[k] + all[j].paf[k]);
            uint64_t h = hashVec(v.data(), nr);
            auto it = lower_bound(table.begin(), table.end(), h, [](const E &x, uint64_t h) { return x.h < h; });
            for (; it != table.end() && it->h == h; ++it) {
              const Seq *S[4] = {&all[it->i], &all[it->j], &all[i], &all[j]};
              // full verification
              bool ok = true;
              for (int t = 1; t < n && ok; ++t) {
                int p = 0;
                for (int q = 0; q < 4; ++q) for (int x = 0; x < n; ++x) {
                  int u = (S[q]->mask >> orbitOf[x] & 1) ? 1 : -1, w = (S[q]->mask >> orbitOf[(x + t) % n] & 1) ? 1 : -1;
                  p += u * w;
                }
                if (p) ok = false;
              }
              if (!ok) continue;
              ++found;
              printf("FOUND n=%d sums %d %d %d %d\n", n, A, B, C, D);
              for (int q = 0; q < 4; ++q) {
                for (int x = 0; x < n; ++x) putchar((S[q]->mask >> orbitOf[x] & 1) ? '+' : '-');
                putchar('\n');
              }
              fflush(stdout);
              return;
            }
          });
          if (found) return 0;
        }
  fprintf(stderr, "no solution\n");
  return 1;
}
