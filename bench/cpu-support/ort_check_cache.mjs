#!/usr/bin/env node
// ===- ort_check_cache.mjs - KV-cache graph against the full graph (ORT) ---=== //
//
//   node bench/cpu-support/ort_check_cache.mjs --full M.onnx --cache M.cache.onnx
//       [--tokens 24] [--prefill 8] [--threads N] [--tolerance 1e-4]
//
// Runs --tokens benchmark token ids through the full graph (all logits) and
// through the KV-cache graph of python/ost/export/kvcache.py (a prefill of
// --prefill tokens, then one token per run), both with ONNX Runtime (CPU,
// FP32), and prints `max_rel_logit_diff: <max|a-b| / max|b|>` (b: the full
// graph) plus the argmax agreement. Exit 1 above --tolerance.
// ===---------------------------------------------------------------------=== //

import { CacheRunner, benchTokens, die, loadOrt, openSession, parseOptions, runFull, vocabSize } from "./ort_common.mjs";

const NAME = "ort_check_cache";
const USAGE = "usage: node bench/cpu-support/ort_check_cache.mjs --full M.onnx --cache M.cache.onnx " +
  "[--tokens 24] [--prefill 8] [--threads N] [--tolerance 1e-4]";
const a = parseOptions(NAME, process.argv.slice(2),
  { full: "", cache: "", tokens: 24, prefill: 8, threads: 0, tolerance: "1e-4" }, USAGE);
if (!a.full || !a.cache) die(NAME, `give --full and --cache\n${USAGE}`);
if (a.prefill < 1 || a.prefill > a.tokens) die(NAME, "--prefill must be in [1, --tokens]");

const ort = loadOrt(NAME);
try {
  const full = await openSession(ort, NAME, a.full, a.threads);
  const cache = await openSession(ort, NAME, a.cache, a.threads);
  const vocab = vocabSize(full);
  if (vocabSize(cache) !== vocab) throw new Error("the two graphs have different vocabularies");
  const ids = benchTokens(a.tokens, vocab);
  const ref = (await runFull(ort, full, ids)).data;
  const got = new Float32Array(ref.length);
  const runner = new CacheRunner(ort, cache);
  got.set((await runner.step(ids.slice(0, a.prefill))).data, 0);
  for (let t = a.prefill; t < ids.length; t++) got.set((await runner.step([ids[t]])).data, t * vocab);
  let maxAbs = 0, maxRef = 0, agree = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    maxAbs = Math.max(maxAbs, Number.isFinite(d) ? d : Infinity);
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  for (let t = 0; t < ids.length; t++) {
    let ga = 0, ra = 0;
    for (let v = 1; v < vocab; v++) {
      if (got[t * vocab + v] > got[t * vocab + ga]) ga = v;
      if (ref[t * vocab + v] > ref[t * vocab + ra]) ra = v;
    }
    agree += ga === ra;
  }
  const rel = maxRef > 0 ? maxAbs / maxRef : maxAbs;
  console.log(`tokens: ${ids.length} (prefill ${a.prefill}, then ${ids.length - a.prefill} single-token steps)`);
  console.log(`max_abs_logit_diff: ${maxAbs.toExponential(3)}`);
  console.log(`argmax_agree: ${agree}/${ids.length}`);
  console.log(`max_rel_logit_diff: ${rel.toExponential(3)}`);
  if (!(rel <= Number(a.tolerance))) die(NAME, `the cache graph differs: ${rel.toExponential(3)} > ${a.tolerance}`);
} catch (e) {
  die(NAME, e.message ?? String(e));
}
