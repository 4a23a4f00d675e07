"""Checks GBNF grammars with llama.cpp's own grammar engine, through llama-cpp-python's low-level API.

Reads one JSON object on stdin:
    {"vocab": "path/to/vocab-only.gguf" or null,
     "cases": [{"grammar": "<GBNF>", "texts": ["...", ...]}, ...]}
Writes one JSON object on stdout:
    {"results": [{"loads": bool, "accepts": [bool, ...]}, ...]}

`loads` is whether llama.cpp parses the grammar and builds a sampler from it (what its server does with a
request's `grammar`). For each text, `accepts` says whether the sampler lets the text through token by token
and then allows end-of-generation: the text is tokenized with the vocabulary (special tokens parsed), each
token is offered alone to the grammar sampler (rejected = logit set to -inf), accepted tokens advance it. Texts
are checked only when a vocabulary is given (the sampler needs one to map tokens to text); otherwise
`accepts` is empty.

Exit status 3 when llama_cpp cannot be imported.
"""

import ctypes
import json
import sys

try:
    import llama_cpp
except Exception as error:  # noqa: BLE001 - any import failure means "not available"
    print(f"llama_cpp not importable: {error}", file=sys.stderr)
    sys.exit(3)


def silence_logs():
    callback_type = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
    silence_logs.callback = callback_type(lambda level, text, data: None)
    llama_cpp.llama_log_set(silence_logs.callback, None)


def load_vocab(path):
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(path.encode(), params)
    if not model:
        raise RuntimeError(f"cannot load vocabulary {path}")
    return model, llama_cpp.llama_model_get_vocab(model)


def tokenize(vocab, text):
    data = text.encode()
    capacity = len(data) + 16
    tokens = (llama_cpp.llama_token * capacity)()
    count = llama_cpp.llama_tokenize(vocab, data, len(data), tokens, capacity, False, True)
    if count < 0:
        raise RuntimeError("tokenization failed")
    return list(tokens[:count])


def allowed(sampler, token):
    data = (llama_cpp.llama_token_data * 1)()
    data[0].id = token
    data[0].logit = 1.0
    data[0].p = 0.0
    candidates = llama_cpp.llama_token_data_array(data, 1, -1, False)
    llama_cpp.llama_sampler_apply(sampler, ctypes.byref(candidates))
    return data[0].logit != float("-inf")


def accepts(vocab, grammar, text):
    sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
    if not sampler:
        return False
    try:
        for token in tokenize(vocab, text):
            if not allowed(sampler, token):
                return False
            llama_cpp.llama_sampler_accept(sampler, token)
        return allowed(sampler, llama_cpp.llama_vocab_eos(vocab))
    finally:
        llama_cpp.llama_sampler_free(sampler)


def main():
    request = json.load(sys.stdin)
    silence_logs()
    llama_cpp.llama_backend_init()
    vocab = None
    if request.get("vocab"):
        _model, vocab = load_vocab(request["vocab"])
    results = []
    for case in request["cases"]:
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, case["grammar"].encode(), b"root")
        loads = bool(sampler)
        if sampler:
            llama_cpp.llama_sampler_free(sampler)
        checked = []
        if loads and vocab is not None:
            checked = [accepts(vocab, case["grammar"], text) for text in case.get("texts", [])]
        results.append({"loads": loads, "accepts": checked})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
