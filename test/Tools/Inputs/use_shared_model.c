/* Uses a model compiled with `ost-compile --target=cpu --emit=shared -o
 * DIR/tiny` through its C header: one forward of all rows, then the same
 * tokens as a prefill plus decode steps; the last rows must agree (the KV
 * cache path), and errors must come back as -1 with a message. */
#include "tiny.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char error[256];
  tiny_session *s = tiny_create(1, 0, error, sizeof error);
  if (!s) {
    fprintf(stderr, "create failed: %s\n", error);
    return 1;
  }
  const int32_t tokens[] = {1, 72, 101, 108, 108, 111, 33, 10};
  const int64_t n = sizeof tokens / sizeof tokens[0];
  int64_t vocab = tiny_vocab_size(s);
  float *all = malloc(sizeof(float) * n * vocab);
  float *last = malloc(sizeof(float) * vocab);
  if (tiny_forward(s, tokens, n, all, 1) != 0) {
    fprintf(stderr, "forward failed: %s\n", tiny_error(s));
    return 1;
  }
  tiny_reset(s);
  if (tiny_prefill(s, tokens, 3, last) != 0)
    return 1;
  double worst = 0, scale = 0;
  for (int64_t t = 3; t < n; ++t) {
    if (tiny_decode(s, tokens[t], last) != 0)
      return 1;
    for (int64_t v = 0; v < vocab; ++v) {
      double ref = all[t * vocab + v];
      worst = fmax(worst, fabs(last[v] - ref));
      scale = fmax(scale, fabs(ref));
    }
  }
  printf("vocab: %lld position: %lld capacity: %lld\n", (long long)vocab,
         (long long)tiny_position(s), (long long)tiny_capacity(s));
  printf("decode_vs_forward: %s\n", worst <= 1e-3 * scale ? "ok" : "MISMATCH");
  int32_t bad = (int32_t)vocab;
  int rc = tiny_decode(s, bad, last);
  printf("bad token: %d %s\n", rc, tiny_error(s));
  tiny_destroy(s);
  free(all);
  free(last);
  return 0;
}
