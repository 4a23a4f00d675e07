"""llama.cpp's own GBNF parser, run in this process through llama-cpp-python's bindings.

llama-cpp-python's server hands a request's `grammar` to llama.cpp unchecked; when llama.cpp rejects it the
server dereferences the null sampler and the whole process dies (llama.cpp's own server answers 400). The
tests check every grammar toolgate sends with the same parser, on the same vocabulary, before it reaches
the engine (see backend_proxy.RecordingProxy's `check`).
"""

import json
import threading

import llama_cpp


class GrammarChecker:
    def __init__(self, models):
        """`models`: engine model name -> GGUF path; the vocabulary matters for token references (`<[id]>`)."""
        self.lock = threading.Lock()
        self.vocabularies = {}
        self.default = None
        for name, path in models.items():
            model = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
            self.vocabularies[name] = model
            self.default = self.default or name

    def parses(self, grammar, model=None):
        """Whether llama.cpp accepts `grammar` (root rule `root`) for the model's vocabulary."""
        vocabulary = self.vocabularies.get(model) or self.vocabularies[self.default]
        with self.lock:
            sampler = llama_cpp.llama_sampler_init_grammar(vocabulary._model.vocab, grammar.encode("utf-8"), b"root")
            if not sampler:
                return False
            llama_cpp.llama_sampler_free(sampler)
            return True

    def check_request(self, body):
        """Why a backend request must not reach the engine, or None: its `grammar` does not parse."""
        try:
            request = json.loads(body)
        except ValueError:
            return None
        grammar = request.get("grammar") if isinstance(request, dict) else None
        if not isinstance(grammar, str) or self.parses(grammar, request.get("model")):
            return None
        return f"llama.cpp's GBNF parser rejects the grammar toolgate sent: {grammar[:2000]}"
