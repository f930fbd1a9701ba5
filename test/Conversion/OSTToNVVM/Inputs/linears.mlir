// Quantized linears of one decoder layer (d = 256, MLP 512), the forms
// ost-compile --bits=W4A4KV4 leaves: q/k share a fused online Hadamard,
// down_proj has a bias and a clipped activation quantizer, o_proj is W4A16.
// Shared by the ptxas tests of this directory.
#act = #ost.qspec<4, asym, per_token>
#actclip = #ost.qspec<4, asym, per_token, clip = 0.9>
#w = #ost.qspec<4, sym, per_channel>
func.func @forward(%x: tensor<1x?x256xf32>, %y: tensor<1x?x512xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x256xf32>, tensor<1x?x256xf32>) {
  %wq = arith.constant dense<17> : tensor<128x128xi8>
  %sq = arith.constant dense<0.1> : tensor<128x1xf32>
  %wd = arith.constant dense<33> : tensor<256x256xi8>
  %sd = arith.constant dense<0.05> : tensor<256x1xf32>
  %bd = arith.constant dense<0.5> : tensor<256xf32>
  %wo = arith.constant dense<-7> : tensor<256x128xi8>
  %so = arith.constant dense<0.2> : tensor<256x1xf32>
  %h = ost.online_hadamard %x : tensor<1x?x256xf32>
  %q = ost.qlinear %h, %wq, %sq {act_spec = #act, weight_spec = #w} : tensor<1x?x256xf32>, tensor<128x128xi8>, tensor<128x1xf32> -> tensor<1x?x128xf32>
  %k = ost.qlinear %h, %wq, %sq {act_spec = #act, weight_spec = #w} : tensor<1x?x256xf32>, tensor<128x128xi8>, tensor<128x1xf32> -> tensor<1x?x128xf32>
  %d = ost.qlinear %y, %wd, %sd bias(%bd : tensor<256xf32>) {act_spec = #actclip, weight_spec = #w} : tensor<1x?x512xf32>, tensor<256x256xi8>, tensor<256x1xf32> -> tensor<1x?x256xf32>
  %o = ost.qlinear %x, %wo, %so {weight_spec = #w} : tensor<1x?x256xf32>, tensor<256x128xi8>, tensor<256x1xf32> -> tensor<1x?x256xf32>
  return %q, %k, %d, %o : tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x256xf32>, tensor<1x?x256xf32>
}
