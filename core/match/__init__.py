"""The other direction: find where a text a model produced replicates one of the author's manuscripts.

A word n-gram index over every manuscript finds seeds fast; seeds on nearly the same diagonal are
chained into candidate spans, extended word by word while the words agree, and each candidate is
aligned word by word with rapidfuzz (Levenshtein opcodes, Indel similarity). Words are compared
normalized: NFKC, casefolded, punctuation and spacing ignored, so "Let there be light:" and
"let there be light" are the same four words. A span is kept when it is long enough and similar enough
(see MatchSettings); its edit operations say exactly which words differ, for the GUI and the PDF.

Plain Python and numpy: the index is one sorted array of 64-bit n-gram hashes, so a query is a
binary search per n-gram of the output, whatever the size of the back list.

The modules, in the order the data flows: inputs (manuscripts and the output text), words (normalized
words, ids, n-gram hashes), index (the sorted array: build, save, load, seeds), align (seeds to
spans), run (a whole match, with a reusable index cache), results (settings, spans, the JSON form).
This package's names are the public API the CLI and the GUI use.
"""

from core.match.index import INDEX_SCHEMA, MatchIndex
from core.match.inputs import (
    SUFFIXES,
    load_manuscripts,
    manuscripts_in,
    output_from_document,
    output_record,
    read_output,
)
from core.match.results import (
    SCHEMA,
    EditOp,
    ManuscriptRecord,
    MatchResult,
    MatchSettings,
    MatchSpan,
    OutputRecord,
    difference_ranges,
)
from core.match.run import cached_index, match_with_index, provenance, run_match
from core.match.words import gram_hashes, normalize_word, word_spans

__all__ = [
    "INDEX_SCHEMA",
    "SCHEMA",
    "SUFFIXES",
    "EditOp",
    "ManuscriptRecord",
    "MatchIndex",
    "MatchResult",
    "MatchSettings",
    "MatchSpan",
    "OutputRecord",
    "cached_index",
    "difference_ranges",
    "gram_hashes",
    "load_manuscripts",
    "manuscripts_in",
    "match_with_index",
    "normalize_word",
    "output_from_document",
    "output_record",
    "provenance",
    "read_output",
    "run_match",
    "word_spans",
]
