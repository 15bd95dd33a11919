"""Tests for minisearch.evaluation: hand-computed measures, agreement with pytrec_eval, loaders.

The hand-computed cases pin the trec_eval conventions (graded gain, skipped queries, queries
missing from the run); the reference comparison checks the same code against pytrec_eval on
random data; the loader tests cover BEIR/TREC files, gzip, and error locations.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minisearch.errors import MinisearchError
from minisearch.evaluation import (
    DEFAULT_MEASURES,
    EvaluationInputError,
    Measure,
    evaluate_run,
    load_beir_dir,
    load_qrels,
    load_queries,
    read_trec_run,
    write_trec_run,
)

DATASETS = Path(__file__).parents[1].parent / "shared" / "datasets"

RunDict = dict[str, list[tuple[str, float]]]
QrelsDict = dict[str, dict[str, int]]


def ranked(*doc_ids: str) -> list[tuple[str, float]]:
    """A ranking with strictly decreasing scores, in the given order."""
    return [(d, float(len(doc_ids) - i)) for i, d in enumerate(doc_ids)]


# --------------------------------------------------------------------------- Measure parsing


@pytest.mark.parametrize(
    ("text", "name", "cutoff", "canonical"),
    [
        ("ndcg@10", "ndcg", 10, "nDCG@10"),
        ("NDCG@10", "ndcg", 10, "nDCG@10"),
        ("Recall@100", "recall", 100, "Recall@100"),
        ("map@1000", "map", 1000, "MAP@1000"),
        ("map", "map", None, "MAP"),
        ("mrr@10", "mrr", 10, "MRR@10"),
        ("P@10", "p", 10, "P@10"),
        (" p@5 ", "p", 5, "P@5"),
        ("ndcg", "ndcg", None, "nDCG"),
    ],
)
def test_measure_parse(text: str, name: str, cutoff: int | None, canonical: str) -> None:
    m = Measure.parse(text)
    assert (m.name, m.cutoff) == (name, cutoff)
    assert str(m) == canonical
    assert Measure.parse(str(m)) == m


@pytest.mark.parametrize("text", ["bpref@10", "ndcg@", "ndcg@x", "ndcg@0", "ndcg@-1", "p", ""])
def test_measure_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError) as info:
        Measure.parse(text)
    if text == "bpref@10":
        for family in ("ndcg", "recall", "map", "mrr", "p"):
            assert family in str(info.value)


# --------------------------------------------------------------------------- hand-computed values

# q1: graded judgments; d3 is judged non-relevant (0); d4 is relevant but never retrieved.
# q2: judged, but nothing relevant -> skipped and reported, not in the means.
# q3: relevant docs, but absent from the run -> all measures 0, counted in the means.
# q9: in the run but not the qrels -> ignored.
QRELS: QrelsDict = {
    "q1": {"d1": 2, "d2": 1, "d3": 0, "d4": 1},
    "q2": {"d9": 0, "d8": -1},
    "q3": {"d7": 1},
}
RUN: RunDict = {
    "q1": ranked("d3", "d1", "d5", "d2"),  # grades by rank: 0, 2, 0, 1
    "q2": ranked("d9"),
    "q9": ranked("d1"),
}
LOG2_3 = math.log2(3)
LOG2_5 = math.log2(5)


def test_hand_computed_q1_all_measures() -> None:
    result = evaluate_run(
        RUN,
        QRELS,
        [
            "ndcg@10",
            "ndcg@2",
            "ndcg",
            "recall@100",
            "recall@2",
            "map@1000",
            "map@2",
            "map",
            "mrr@10",
            "mrr@1",
            "p@10",
            "p@2",
        ],
    )
    q1 = result.per_query["q1"]
    # DCG = 2/log2(2+1) [d1 at rank 2] + 1/log2(4+1) [d2 at rank 4]
    # ideal grades of q1 sorted: 2, 1, 1
    #   -> IDCG = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 1/log2(3) + 1/2
    dcg = 2 / LOG2_3 + 1 / LOG2_5
    idcg = 2 + 1 / LOG2_3 + 1 / 2
    assert q1["nDCG@10"] == pytest.approx(dcg / idcg)  # = 1.6925 / 3.1309 = 0.5406
    assert q1["nDCG"] == pytest.approx(dcg / idcg)
    # top 2: DCG@2 = 2/log2(3); ideal cut at 2: 2 + 1/log2(3)
    assert q1["nDCG@2"] == pytest.approx((2 / LOG2_3) / (2 + 1 / LOG2_3))
    # relevant in q1: d1, d2, d4 -> 3; retrieved: d1, d2 -> 2/3; in the top 2 only d1 -> 1/3
    assert q1["Recall@100"] == pytest.approx(2 / 3)
    assert q1["Recall@2"] == pytest.approx(1 / 3)
    # AP: precision at rank 2 (1/2) + precision at rank 4 (2/4), over 3 relevant = 1/3
    assert q1["MAP@1000"] == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert q1["MAP"] == pytest.approx(1 / 3)
    # cut at 2: only rank 2 counts -> (1/2) / 3 = 1/6 (the denominator stays all relevant)
    assert q1["MAP@2"] == pytest.approx(1 / 6)
    # first relevant at rank 2 -> 1/2; within rank 1 there is none -> 0
    assert q1["MRR@10"] == pytest.approx(1 / 2)
    assert q1["MRR@1"] == 0.0
    # P@10: 2 relevant in the top 10 (only 4 retrieved, still divided by 10) = 0.2; P@2 = 1/2
    assert q1["P@10"] == pytest.approx(2 / 10)
    assert q1["P@2"] == pytest.approx(1 / 2)


def test_hand_computed_skipped_missing_and_means() -> None:
    result = evaluate_run(RUN, QRELS)
    assert result.skipped_no_relevant == ["q2"]
    assert result.missing_from_run == ["q3"]
    assert result.evaluated == 2  # q1 and q3; q2 skipped, q9 not judged
    assert list(result.per_query) == ["q1", "q3"]
    assert result.per_query["q3"] == dict.fromkeys(
        ["nDCG@10", "Recall@100", "MAP@1000", "MRR@10", "P@10"], 0.0
    )
    assert list(result.means) == [str(Measure.parse(m)) for m in DEFAULT_MEASURES]
    # means over q1 and q3 (= 0): half of q1's values
    dcg = 2 / LOG2_3 + 1 / LOG2_5
    idcg = 2 + 1 / LOG2_3 + 1 / 2
    assert result.means["nDCG@10"] == pytest.approx(dcg / idcg / 2)
    assert result.means["Recall@100"] == pytest.approx((2 / 3) / 2)
    assert result.means["MAP@1000"] == pytest.approx((1 / 3) / 2)
    assert result.means["MRR@10"] == pytest.approx((1 / 2) / 2)
    assert result.means["P@10"] == pytest.approx((2 / 10) / 2)


def test_hand_computed_perfect_and_binary() -> None:
    qrels = {"a": {"x": 1, "y": 1}, "b": {"x": 3, "y": 1, "z": 2}}
    # a: y, x first -> everything perfect. b: graded, ranked z(2), x(3), y(1)
    run = {"a": ranked("y", "x", "w"), "b": ranked("z", "x", "y")}
    result = evaluate_run(run, qrels, ["ndcg@10", "ndcg@1", "p@2", "map", "recall@1"])
    a = result.per_query["a"]
    assert a == {"nDCG@10": 1.0, "nDCG@1": 1.0, "P@2": 1.0, "MAP": 1.0, "Recall@1": 0.5}
    b = result.per_query["b"]
    # DCG = 2/1 + 3/log2(3) + 1/log2(4); IDCG = 3/1 + 2/log2(3) + 1/log2(4)
    assert b["nDCG@10"] == pytest.approx((2 + 3 / LOG2_3 + 0.5) / (3 + 2 / LOG2_3 + 0.5))
    # cut at 1: z (gain 2) vs the ideal x (gain 3) -> 2/3
    assert b["nDCG@1"] == pytest.approx(2 / 3)
    assert b["MAP"] == 1.0  # every retrieved doc is relevant: precision 1 at each rank


def test_negative_grades_are_non_relevant_with_zero_gain() -> None:
    # d1 (-1) at rank 1 neither gains nor loses; d2 (1) at rank 2: DCG = 1/log2(3), IDCG = 1
    result = evaluate_run({"q": ranked("d1", "d2")}, {"q": {"d1": -1, "d2": 1}}, ["ndcg@10", "p@1"])
    assert result.per_query["q"] == {"nDCG@10": pytest.approx(1 / LOG2_3), "P@1": 0.0}


def test_empty_ranking_scores_zero_but_is_not_missing() -> None:
    result = evaluate_run({"q": []}, {"q": {"d": 1}}, ["ndcg@10", "mrr@10", "map"])
    assert result.per_query["q"] == {"nDCG@10": 0.0, "MRR@10": 0.0, "MAP": 0.0}
    assert result.missing_from_run == []


def test_measures_deduplicated_and_accept_objects() -> None:
    result = evaluate_run(RUN, QRELS, ["NDCG@10", Measure("ndcg", 10), "p@10"])
    assert list(result.means) == ["nDCG@10", "P@10"]


def test_evaluate_run_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="twice"):
        evaluate_run({"q": ranked("d", "e", "d")}, {"q": {"d": 1}})
    with pytest.raises(ValueError, match="nothing to evaluate"):
        evaluate_run(RUN, {"q2": {"d9": 0}})
    with pytest.raises(ValueError, match="allowed"):
        evaluate_run(RUN, QRELS, ["ndcg@10", "bogus"])
    with pytest.raises(TypeError):
        evaluate_run(RUN, QRELS, "ndcg@10")
    with pytest.raises(ValueError, match="no measures"):
        evaluate_run(RUN, QRELS, [])


# --------------------------------------------------------------------------- pytrec_eval reference

# our measure -> pytrec_eval measure; MRR@k is "recip_rank" on a run cut at k by us.
REFERENCE = {
    "nDCG@10": "ndcg_cut_10",
    "Recall@100": "recall_100",
    "P@10": "P_10",
    "MAP@1000": "map_cut_1000",
    "MAP": "map",
    "nDCG@3": "ndcg_cut_3",
    "Recall@5": "recall_5",
    "P@5": "P_5",
    "MAP@5": "map_cut_5",
}
TREC_MEASURES = {"ndcg_cut.3,10", "recall.5,100", "P.5,10", "map_cut.5,1000", "map"}


def compare_with_pytrec_eval(run: RunDict, qrels: QrelsDict) -> None:
    """Assert evaluate_run agrees with pytrec_eval per query and in the mean, to 1e-6."""
    pytrec_eval = pytest.importorskip("pytrec_eval", reason="pytrec_eval-terrier not installed")
    # pytrec_eval re-sorts by score (ties: doc id descending); our runs have distinct scores so
    # its order is the list order.
    for ranking in run.values():
        scores = [s for _, s in ranking]
        assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    trec_run = {q: dict(r) for q, r in run.items()}
    cut10 = {q: dict(r[:10]) for q, r in run.items()}
    main = pytrec_eval.RelevanceEvaluator(qrels, TREC_MEASURES).evaluate(trec_run)
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut10)

    measures = [*REFERENCE, "MRR@10"]
    ours = evaluate_run(run, qrels, measures)
    expected_queries = [q for q, j in qrels.items() if any(g > 0 for g in j.values())]
    assert list(ours.per_query) == expected_queries
    assert ours.missing_from_run == [q for q in expected_queries if q not in run]
    for qid in expected_queries:
        # trec_eval -c: a judged query with no run entry scores 0
        ref = dict(main.get(qid, {}))
        ref["recip_rank"] = rr.get(qid, {}).get("recip_rank", 0.0)
        for name in measures:
            trec_name = REFERENCE.get(name, "recip_rank")
            assert ours.per_query[qid][name] == pytest.approx(ref.get(trec_name, 0.0), abs=1e-6), (
                qid,
                name,
            )
    for name in measures:
        trec_name = REFERENCE.get(name, "recip_rank")
        values = [
            (rr if trec_name == "recip_rank" else main).get(q, {}).get(trec_name, 0.0)
            for q in expected_queries
        ]
        assert ours.means[name] == pytest.approx(sum(values) / len(values), abs=1e-6), name


def random_case(rng: random.Random, n_queries: int, pool: int, max_len: int) -> tuple[Any, Any]:
    docs = [f"d{i}" for i in range(pool)]
    qrels: QrelsDict = {}
    run: RunDict = {}
    for q in range(n_queries):
        qid = f"q{q}"
        judged = rng.sample(docs, rng.randint(1, min(pool, 40)))
        qrels[qid] = {d: rng.choice([-1, 0, 0, 1, 1, 2, 3]) for d in judged}
        if rng.random() < 0.1:
            continue  # missing from the run
        ranking = rng.sample(docs, rng.randint(0, max_len))
        # strictly decreasing, irregular scores
        scores = sorted(rng.sample(range(10 * max_len + 10), len(ranking)), reverse=True)
        run[qid] = [(d, s / 7.0) for d, s in zip(ranking, scores, strict=True)]
    run["unjudged"] = [("d0", 1.0)]
    return run, qrels


@pytest.mark.parametrize("seed", range(5))
def test_matches_pytrec_eval_seeded(seed: int) -> None:
    rng = random.Random(seed)
    run, qrels = random_case(rng, n_queries=40, pool=1500, max_len=1200)
    compare_with_pytrec_eval(run, qrels)


@st.composite
def run_and_qrels(draw: st.DrawFn) -> tuple[RunDict, QrelsDict]:
    pool = [f"doc{i}" for i in range(draw(st.integers(1, 30)))]
    qids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, unique=True))
    qrels: QrelsDict = {}
    run: RunDict = {}
    for qid in qids:
        judged = draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))
        qrels[qid] = {d: draw(st.integers(-1, 3)) for d in judged}
        ranking = draw(st.none() | st.lists(st.sampled_from(pool), unique=True))
        if ranking is not None:
            run[qid] = [(d, float(len(ranking) - i)) for i, d in enumerate(ranking)]
    if not any(g > 0 for j in qrels.values() for g in j.values()):
        first = next(iter(qrels))
        qrels[first][next(iter(qrels[first]))] = 1
    return run, qrels


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run_and_qrels())
def test_matches_pytrec_eval_hypothesis(case: tuple[RunDict, QrelsDict]) -> None:
    run, qrels = case
    compare_with_pytrec_eval(run, qrels)


# --------------------------------------------------------------------------- real dataset


def test_scifact_counts() -> None:
    folder = DATASETS / "scifact"
    if not folder.is_dir():
        pytest.skip(f"SciFact not present at {folder}")
    dataset = load_beir_dir(folder)
    assert dataset.corpus_path.name.startswith("corpus.jsonl")
    assert len(dataset.queries) == 300
    assert sum(len(j) for j in dataset.qrels.values()) == 339
    assert len(load_queries(folder / "queries.jsonl.gz")) == 300
    assert load_qrels(folder / "qrels" / "test.tsv.gz").keys() == dataset.queries.keys()


# --------------------------------------------------------------------------- loaders


def write(path: Path, text: str, compress: bool = False) -> Path:
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_load_queries_jsonl(tmp_path: Path, compress: bool) -> None:
    lines = [
        json.dumps({"_id": "1", "text": "first query", "metadata": {}}),
        "",
        json.dumps({"id": 2, "query": "second"}),
    ]
    # the name says nothing: gzip is detected from the content
    path = write(tmp_path / "queries.data", "\n".join(lines) + "\n", compress)
    assert load_queries(path) == {"1": "first query", "2": "second"}


def test_load_queries_tsv_with_and_without_header(tmp_path: Path) -> None:
    body = "q1\tsome text\nq2\tmore\ttext with a tab\r\n"
    assert load_queries(write(tmp_path / "a.tsv", body)) == {
        "q1": "some text",
        "q2": "more\ttext with a tab",
    }
    with_header = write(tmp_path / "b.tsv", "query-id\ttext\n" + body)
    assert list(load_queries(with_header)) == ["q1", "q2"]
    assert load_queries(write(tmp_path / "empty.tsv", "")) == {}


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ('{"_id": "1", "text": "a"}\n{"_id": "2", "text": "b"}\n{"_id": 3, \n', 3, "invalid JSON"),
        ('{"_id": "1", "text": "a"}\n\n[1, 2]\n', 3, "JSON object"),
        ('{"_id": "1", "text": "a"}\n{"text": "b"}\n', 2, "query id"),
        ('{"_id": "1", "text": ""}\n', 1, "query text"),
        ('{"_id": "1", "text": "a"}\n{"_id": "1", "text": "b"}\n', 2, "duplicate"),
        ("q1\tok\nq2 no tab\n", 2, "TAB"),
    ],
)
def test_load_queries_errors_name_file_and_line(
    tmp_path: Path, content: str, line: int, fragment: str
) -> None:
    path = write(tmp_path / "queries.jsonl", content)
    with pytest.raises(EvaluationInputError, match=fragment) as info:
        load_queries(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert (info.value.path, info.value.line) == (path, line)
    assert isinstance(info.value, MinisearchError)


def test_load_queries_bad_utf8_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    path.write_bytes(b"q1\tfine\nq2\tbad \xff byte\n")
    with pytest.raises(EvaluationInputError, match="UTF-8") as info:
        load_queries(path)
    assert info.value.line == 2
    with pytest.raises(EvaluationInputError, match="cannot open"):
        load_queries(tmp_path / "absent.jsonl")


@pytest.mark.parametrize("compress", [False, True])
def test_load_qrels_trec_and_beir(tmp_path: Path, compress: bool) -> None:
    expected = {"1": {"d1": 2, "d2": 0}, "2": {"d3": 1}}
    trec = write(tmp_path / "qrels.txt", "1 0 d1 2\n1\t0  d2 0\n\n2 Q0 d3 1\n", compress)
    assert load_qrels(trec) == expected
    beir = write(
        tmp_path / "test.tsv",
        "query-id\tcorpus-id\tscore\n1\td1\t2\n1\td2\t0\n2\td3\t1\n",
        compress,
    )
    assert load_qrels(beir) == expected
    headerless = write(tmp_path / "h.tsv", "1\td1\t2\n1\td2\t0\n2\td3\t1\n1\td1\t2\n")
    assert load_qrels(headerless) == expected  # an exact repeat is accepted


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("q 0 d 1\nq 0 e x\n", 2, "not an integer"),
        ("q 0 d 1\nq 0 e\n", 2, "qid iter docid grade"),
        ("query-id\tcorpus-id\tscore\nq\td\t1\nq\td\n", 3, "query-id<TAB>corpus-id<TAB>score"),
        ("q\td\t1\nq\td\t2\n", 2, "different grades"),
        ("just two\n", 1, "unrecognised"),
    ],
)
def test_load_qrels_errors_name_file_and_line(
    tmp_path: Path, content: str, line: int, fragment: str
) -> None:
    path = write(tmp_path / "qrels.tsv", content)
    with pytest.raises(EvaluationInputError, match=fragment) as info:
        load_qrels(path)
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_load_beir_dir(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    write(tmp_path / "corpus.jsonl", '{"_id": "d1", "title": "", "text": "x"}\n')
    queries = '{"_id": "1", "text": "a"}\n{"_id": "2", "text": "b"}\n'
    write(tmp_path / "queries.jsonl.gz", queries, compress=True)
    write(tmp_path / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\n2\td1\t1\n")
    corpus_path, loaded_queries, qrels = load_beir_dir(tmp_path)
    assert corpus_path == tmp_path / "corpus.jsonl"
    assert loaded_queries == {"2": "b"}  # restricted to the split's judged queries
    assert qrels == {"2": {"d1": 1}}

    with pytest.raises(EvaluationInputError, match=r"dev\.tsv"):
        load_beir_dir(tmp_path, split="dev")
    write(tmp_path / "qrels" / "dev.tsv", "query-id\tcorpus-id\tscore\n7\td1\t1\n")
    with pytest.raises(EvaluationInputError, match="'7'") as info:
        load_beir_dir(tmp_path, split="dev")
    assert info.value.path == tmp_path / "qrels" / "dev.tsv"
    with pytest.raises(EvaluationInputError, match="not a directory"):
        load_beir_dir(tmp_path / "nope")


# --------------------------------------------------------------------------- TREC runs


def test_trec_run_round_trip(tmp_path: Path) -> None:
    run: RunDict = {
        "q1": [("d3", 12.5), ("d1", 0.1 + 0.2), ("d2", -1e-300)],
        "q2": [],
        "q3": [("x", 1.0), ("y", 1.0)],  # a tie: list order must survive
    }
    path = tmp_path / "run.txt"
    write_trec_run(run, path, tag="bm25")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "q1 Q0 d3 1 12.5 bm25"
    assert lines[-1] == "q3 Q0 y 2 1.0 bm25"
    back = read_trec_run(path)
    assert back == {q: r for q, r in run.items() if r}  # empty rankings have no lines

    buffer = io.StringIO()
    write_trec_run(run, buffer)
    assert buffer.getvalue().splitlines()[0] == "q1 Q0 d3 1 12.5 minisearch"


def test_read_trec_run_sorts_by_rank(tmp_path: Path) -> None:
    path = write(tmp_path / "run.gz", "q 0 b 2 5 t\nq 0 a 1 9 t\nr Q0 c 1 1 t\n", compress=True)
    assert read_trec_run(path) == {"q": [("a", 9.0), ("b", 5.0)], "r": [("c", 1.0)]}


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("q Q0 d 1 1.0 t\nq Q0 e 2 1.0\n", 2, "6 columns"),
        ("q Q0 d one 1.0 t\n", 1, "rank"),
        ("q Q0 d 1 1.0 t\n\nq Q0 e 2 high t\n", 3, "score"),
        ("q Q0 d 1 1.0 t\nq Q0 d 2 0.5 t\n", 2, "twice"),
    ],
)
def test_read_trec_run_errors_name_file_and_line(
    tmp_path: Path, content: str, line: int, fragment: str
) -> None:
    path = write(tmp_path / "run.trec", content)
    with pytest.raises(EvaluationInputError, match=fragment) as info:
        read_trec_run(path)
    assert str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize(
    ("run", "tag"),
    [
        ({"q 1": [("d", 1.0)]}, "t"),
        ({"q": [("", 1.0)]}, "t"),
        ({"q": [("d", 1.0)]}, "my tag"),
        ({"q": [("d", math.nan)]}, "t"),
    ],
)
def test_write_trec_run_rejects_unwritable(run: RunDict, tag: str) -> None:
    with pytest.raises(ValueError):
        write_trec_run(run, io.StringIO(), tag=tag)
