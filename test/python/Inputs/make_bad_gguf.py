"""Write a small GGUF file of architecture ARCH (one F32 tensor, a few fields) for the negative tests."""
import sys

import gguf
import numpy as np

path, arch = sys.argv[1], sys.argv[2]
w = gguf.GGUFWriter(path, arch)
w.add_name("bad-" + arch)
w.add_block_count(1)
w.add_context_length(64)
w.add_embedding_length(8)
w.add_feed_forward_length(16)
w.add_head_count(2)
w.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
