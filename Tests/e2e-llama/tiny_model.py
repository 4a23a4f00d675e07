#!/usr/bin/env python3
"""Writes a tiny random-weight GGUF model (llama architecture) that llama.cpp and llama-cpp-python load and run.

Only its weights are random: it tokenizes, samples and honours grammars like any model, so its free text is
gibberish (any token of the vocabulary: partial UTF-8, control characters, special tokens) while
grammar-constrained output is valid. That is what the end-to-end tests need from a real engine.

Two tokenizers:

- `--vocab-from FILE`: the byte-level BPE tokenizer of a vocab-only GGUF. For llama.cpp's
  `models/ggml-vocab-qwen2.gguf` (the team's shared fixture) the `[PADnnnnnn]` slots 151643-151664 become
  Qwen2.5's added tokens, so `<tool_call>` is one token as in Qwen2.5 and `<|im_end|>` ends generation;
- otherwise a self-contained byte-level vocabulary: the 256 bytes, a few merges, and the ChatML and Hermes
  special tokens (`<|im_start|>`, `<|im_end|>`, `<tool_call>`, ...), so the tests run without the fixture.

    python3 tiny_model.py OUT.gguf [--vocab-from ggml-vocab-qwen2.gguf] [--chat-template T.jinja] [--seed 7]

Needs `gguf` and `numpy`. Deterministic for a seed; about 25 MB and two seconds with the Qwen2 vocabulary.
"""

import argparse
import pathlib
import struct
import sys

import gguf
import numpy as np

# Qwen2.5's added tokens (its tokenizer_config.json): control tokens are dropped from decoded text, the others
# (tool-call tags, fill-in-the-middle markers) are printed like words.
CONTROL, USER_DEFINED = int(gguf.TokenType.CONTROL), int(gguf.TokenType.USER_DEFINED)
QWEN25_ADDED_TOKENS = {
    151643: ("<|endoftext|>", CONTROL), 151644: ("<|im_start|>", CONTROL), 151645: ("<|im_end|>", CONTROL),
    151646: ("<|object_ref_start|>", CONTROL), 151647: ("<|object_ref_end|>", CONTROL),
    151648: ("<|box_start|>", CONTROL), 151649: ("<|box_end|>", CONTROL),
    151650: ("<|quad_start|>", CONTROL), 151651: ("<|quad_end|>", CONTROL),
    151652: ("<|vision_start|>", CONTROL), 151653: ("<|vision_end|>", CONTROL),
    151654: ("<|vision_pad|>", CONTROL), 151655: ("<|image_pad|>", CONTROL), 151656: ("<|video_pad|>", CONTROL),
    151657: ("<tool_call>", USER_DEFINED), 151658: ("</tool_call>", USER_DEFINED),
    151659: ("<|fim_prefix|>", USER_DEFINED), 151660: ("<|fim_middle|>", USER_DEFINED),
    151661: ("<|fim_suffix|>", USER_DEFINED), 151662: ("<|fim_pad|>", USER_DEFINED),
    151663: ("<|repo_name|>", USER_DEFINED), 151664: ("<|file_sep|>", USER_DEFINED),
}

BUILT_IN_CONTROL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
BUILT_IN_USER_DEFINED = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"]


class Vocabulary:
    def __init__(self, tokens, types, merges, pre, eos, pad):
        self.tokens, self.types, self.merges, self.pre, self.eos, self.pad = tokens, types, merges, pre, eos, pad


def byte_symbols():
    """GPT-2's printable stand-in for each byte, as byte-level BPE vocabularies store bytes."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    symbols, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            symbols[byte] = chr(byte)
        else:
            symbols[byte] = chr(256 + extra)
            extra += 1
    return [symbols[byte] for byte in range(256)]


def built_in_vocabulary():
    tokens = byte_symbols()
    types = [int(gguf.TokenType.NORMAL)] * len(tokens)
    merges = []
    for left, right in [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"), ("o", "n")]:
        merges.append(f"{left} {right}")
        tokens.append(left + right)
        types.append(int(gguf.TokenType.NORMAL))
    for text in BUILT_IN_CONTROL:
        tokens.append(text)
        types.append(CONTROL)
    for text in BUILT_IN_USER_DEFINED:
        tokens.append(text)
        types.append(USER_DEFINED)
    return Vocabulary(tokens, types, merges, "gpt-2", eos=tokens.index("<|im_end|>"),
                      pad=tokens.index("<|endoftext|>"))


def read_metadata(path):
    """The key/value section of a GGUF file (gguf.GGUFReader takes seconds on a 150k-token vocabulary)."""
    data = pathlib.Path(path).read_bytes()
    if data[:4] != b"GGUF":
        raise ValueError(f"{path} is not a GGUF file")
    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
    offset = 16
    (count,) = struct.unpack_from("<Q", data, offset)
    offset += 8

    def string():
        nonlocal offset
        (length,) = struct.unpack_from("<Q", data, offset)
        text = data[offset + 8:offset + 8 + length].decode("utf-8")
        offset += 8 + length
        return text

    def value(kind):
        nonlocal offset
        if kind == 8:
            return string()
        if kind == 9:
            item_kind, length = struct.unpack_from("<IQ", data, offset)
            offset += 12
            if item_kind in scalar:
                items = np.frombuffer(data, dtype=np.dtype(scalar[item_kind]), count=length, offset=offset)
                offset += items.nbytes
                return items.tolist()
            return [value(item_kind) for _ in range(length)]
        (item,) = struct.unpack_from(scalar[kind], data, offset)
        offset += struct.calcsize(scalar[kind])
        return item

    metadata = {}
    for _ in range(count):
        key = string()
        (kind,) = struct.unpack_from("<I", data, offset)
        offset += 4
        metadata[key] = value(kind)
    return metadata


def vocabulary_from(path):
    metadata = read_metadata(path)
    if metadata.get("tokenizer.ggml.model") != "gpt2":
        raise ValueError(f"{path}: only byte-level BPE ('gpt2') vocabularies are supported")
    tokens = list(metadata["tokenizer.ggml.tokens"])
    types = [int(kind) for kind in metadata["tokenizer.ggml.token_type"]]
    pre = metadata.get("tokenizer.ggml.pre", "default")
    eos = metadata.get("tokenizer.ggml.eos_token_id")
    pad = metadata.get("tokenizer.ggml.padding_token_id")
    if pre == "qwen2" and len(tokens) > max(QWEN25_ADDED_TOKENS):
        for index, (text, kind) in QWEN25_ADDED_TOKENS.items():
            tokens[index], types[index] = text, kind
        eos = tokens.index("<|im_end|>")
    return Vocabulary(tokens, types, list(metadata["tokenizer.ggml.merges"]), pre, eos, pad)


def write_model(out, vocabulary, chat_template=None, seed=7, layers=2, hidden=64, heads=4, logit_std=2.0):
    """Writes the model; the output head is tied to the token embeddings (no `output.weight`)."""
    rng = np.random.default_rng(seed)
    feed_forward, head_size, embedding_std = 2 * hidden, hidden // heads, 0.05

    def random(*shape, std):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std)).astype(np.float32)

    large = len(vocabulary.tokens) > 4096
    writer = gguf.GGUFWriter(str(out), "llama")
    writer.add_name("toolgate-tiny-random")
    writer.add_context_length(4096)
    writer.add_embedding_length(hidden)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(feed_forward)
    writer.add_head_count(heads)
    writer.add_head_count_kv(heads)
    writer.add_rope_dimension_count(head_size)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(vocabulary.tokens))
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if large else gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(vocabulary.pre)
    writer.add_token_list(vocabulary.tokens)
    writer.add_token_types(vocabulary.types)
    writer.add_token_merges(vocabulary.merges)
    writer.add_eos_token_id(vocabulary.eos)
    if vocabulary.pad is not None:
        writer.add_pad_token_id(vocabulary.pad)
    writer.add_add_bos_token(False)
    writer.add_add_eos_token(False)
    if chat_template is not None:
        writer.add_chat_template(chat_template)

    embeddings = random(len(vocabulary.tokens), hidden, std=embedding_std)
    writer.add_tensor("token_embd.weight", embeddings.astype(np.float16) if large else embeddings)
    # Scales the final norm so the logits have about `logit_std`: peaked enough to sample real-looking
    # streams of tokens, flat enough that every kind of token comes up.
    scale = logit_std / (embedding_std * np.sqrt(hidden))
    writer.add_tensor("output_norm.weight", np.full(hidden, scale, dtype=np.float32))
    for layer in range(layers):
        name = f"blk.{layer}."
        writer.add_tensor(name + "attn_norm.weight", np.ones(hidden, dtype=np.float32))
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(name + part + ".weight", random(hidden, hidden, std=hidden ** -0.5))
        writer.add_tensor(name + "ffn_norm.weight", np.ones(hidden, dtype=np.float32))
        writer.add_tensor(name + "ffn_gate.weight", random(feed_forward, hidden, std=hidden ** -0.5))
        writer.add_tensor(name + "ffn_up.weight", random(feed_forward, hidden, std=hidden ** -0.5))
        writer.add_tensor(name + "ffn_down.weight", random(hidden, feed_forward, std=feed_forward ** -0.5))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--vocab-from", help="a vocab-only GGUF whose tokenizer the model gets")
    parser.add_argument("--chat-template", help="a .jinja file stored as tokenizer.chat_template")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    vocabulary = vocabulary_from(args.vocab_from) if args.vocab_from else built_in_vocabulary()
    template = pathlib.Path(args.chat_template).read_text(encoding="utf-8") if args.chat_template else None
    write_model(args.out, vocabulary, chat_template=template, seed=args.seed)
    print(f"wrote {args.out}: {len(vocabulary.tokens)} tokens ({vocabulary.pre})", file=sys.stderr)


if __name__ == "__main__":
    main()
