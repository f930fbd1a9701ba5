#!/usr/bin/env node
// ===- ort_bench.mjs - ONNX Runtime CPU FP32 prefill and decode throughput -=== //
//
//   node bench/cpu-support/ort_bench.mjs --full M.onnx --cache M.cache.onnx
//       [--threads N] [--prompt-tokens 512] [--decode-tokens 64] [--repeat 3]
//
// The ONNX Runtime side of bench/cpu, with the same protocol as a compiled
// model's `NAME bench` (runtime/session/BenchCommand.cpp): token ids
// (i * 7919 + 1) mod vocab; prefill = one run of the full graph
// (python -m ost.export.*) on --prompt-tokens tokens, all logits; decode =
// --decode-tokens single-token runs of the KV-cache graph
// (python -m ost.export.kvcache) after a prefill of the prompt through the
// same graph (not timed). Best of --repeat. CPU execution provider, FP32,
// --threads intra-op threads (0: ORT's default), sequential execution.
// Prints `<figure>: <value>` lines. Exit 2 when onnxruntime-node is missing.
// ===---------------------------------------------------------------------=== //

import { performance } from "node:perf_hooks";
import { CacheRunner, benchTokens, die, loadOrt, openSession, parseOptions, runFull, vocabSize } from "./ort_common.mjs";

const NAME = "ort_bench";
const USAGE = "usage: node bench/cpu-support/ort_bench.mjs --full M.onnx --cache M.cache.onnx [--threads N] " +
  "[--prompt-tokens 512] [--decode-tokens 64] [--repeat 3]";
const a = parseOptions(NAME, process.argv.slice(2),
  { full: "", cache: "", threads: 0, "prompt-tokens": 512, "decode-tokens": 64, repeat: 3 }, USAGE);
if (!a.full && !a.cache) die(NAME, `give --full and/or --cache\n${USAGE}`);
if (a.repeat < 1 || a["prompt-tokens"] < 1) die(NAME, "--repeat and --prompt-tokens must be positive");

const ort = loadOrt(NAME);
const P = a["prompt-tokens"], D = a["decode-tokens"];
console.log(`ort_version: ${ort.env.versions?.common ?? "?"}`);
console.log(`threads: ${a.threads}`);
console.log(`prompt_tokens: ${P}`);
console.log(`decode_tokens: ${D}`);
console.log(`repeat: ${a.repeat}`);

try {
  if (a.full) {
    const session = await openSession(ort, NAME, a.full, a.threads);
    const prompt = benchTokens(P, vocabSize(session));
    let best = Infinity;
    for (let r = 0; r < a.repeat; r++) {
      const t0 = performance.now();
      await runFull(ort, session, prompt);
      best = Math.min(best, performance.now() - t0);
    }
    console.log(`ort_prefill_ms: ${best.toFixed(3)}`);
    console.log(`ort_prefill_tokens_per_s: ${((P / best) * 1e3).toFixed(2)}`);
    await session.release?.();
  }
  if (a.cache && D > 0) {
    const session = await openSession(ort, NAME, a.cache, a.threads);
    const vocab = vocabSize(session);
    const prompt = benchTokens(P, vocab), next = benchTokens(D, vocab, P);
    const runner = new CacheRunner(ort, session);
    let best = Infinity;
    for (let r = 0; r < a.repeat; r++) {
      runner.reset();
      await runner.step(prompt);
      const t0 = performance.now();
      for (const id of next) await runner.step([id]);
      best = Math.min(best, performance.now() - t0);
    }
    console.log(`ort_decode_ms_per_token: ${(best / D).toFixed(3)}`);
    console.log(`ort_decode_tokens_per_s: ${((D / best) * 1e3).toFixed(2)}`);
    await session.release?.();
  }
} catch (e) {
  die(NAME, e.message ?? String(e));
}
