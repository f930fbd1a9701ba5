/* Runs the models compiled as lib{a,twin,other}.so (ost-compile --emit=shared)
 * that are enabled by -DWITH_A, -DWITH_TWIN, -DWITH_OTHER, in one process,
 * and prints each model's logits for the same tokens. `twin` has a's
 * architecture and other weights; `other` has other sizes. Built with one
 * model at a time and with all three, the printed lines must be equal: a
 * model's step and weights must not be replaced by another's when several
 * libraries are loaded together. */
#include <stdio.h>
#include <stdlib.h>

#define RUN(NAME)                                                            \
  do {                                                                       \
    char error[256];                                                         \
    NAME##_session *s = NAME##_create(1, 0, error, sizeof error);            \
    if (!s) {                                                                \
      fprintf(stderr, #NAME ": create failed: %s\n", error);                 \
      return 1;                                                              \
    }                                                                        \
    const int32_t tokens[] = {1, 5, 7, 9, 11};                               \
    int64_t vocab = NAME##_vocab_size(s);                                    \
    float *logits = malloc(sizeof(float) * vocab);                           \
    if (NAME##_prefill(s, tokens, 5, logits) != 0) {                         \
      fprintf(stderr, #NAME ": %s\n", NAME##_error(s));                      \
      return 1;                                                              \
    }                                                                        \
    double sum = 0;                                                          \
    for (int64_t v = 0; v < vocab; ++v)                                      \
      sum += logits[v];                                                      \
    printf(#NAME ": vocab %lld first %.6f last %.6f sum %.6f\n",             \
           (long long)vocab, logits[0], logits[vocab - 1], sum);             \
    free(logits);                                                            \
    NAME##_destroy(s);                                                       \
  } while (0)

#ifdef WITH_A
#include "a.h"
#endif
#ifdef WITH_TWIN
#include "twin.h"
#endif
#ifdef WITH_OTHER
#include "other.h"
#endif

int main(void) {
#ifdef WITH_A
  RUN(a);
#endif
#ifdef WITH_TWIN
  RUN(twin);
#endif
#ifdef WITH_OTHER
  RUN(other);
#endif
  return 0;
}
