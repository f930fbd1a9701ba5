"""ost's LLaMA models: the llama2.c reader, the numpy and torch LLaMA, the llama2.c
tokenizer and the story-perplexity protocol (libraries; the commands are in ost.export
and ost.reference)."""
