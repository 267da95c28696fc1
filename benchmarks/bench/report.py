"""The benchmark's results as JSON (everything, samples included), Markdown and one PNG of plots."""

from __future__ import annotations

import json
from pathlib import Path

TARGETS = {
    "answer_overhead_ratio_p50": ("≤", 1.3),
    "http_answers_per_s": ("≥", 40.0),
    "http_concurrent_p95_ms": ("≤", 250.0),
    "http_errors": ("≤", 0),
    "cold_start_ratio": ("≤", 0.5),
    "server_peak_rss_mb": ("≤", 600.0),
    "recall_at_10_largest": ("≥", 0.95),
    "query_p50_ms_largest": ("≤", 25.0),
}


def headline(results: dict) -> dict:
    """The figures the targets are about, pulled out of the detailed results."""
    figures: dict = {}
    overhead = results.get("answer_overhead")
    if overhead:
        figures["answer_overhead_ratio_p50"] = overhead["ratio_p50_vs_st_encode"]
        figures["answer_overhead_ratio_p95"] = overhead["ratio_p95_vs_st_encode"]
        figures["answer_vs_own_encoder_ratio_p50"] = overhead["ratio_p50_vs_our_encode"]
    served = results.get("served")
    if served:
        load = served.get("load") or {}
        if load:
            figures["http_single_p50_ms"] = load["single_client_ms"]["p50"]
            figures["http_single_p95_ms"] = load["single_client_ms"]["p95"]
            figures["http_answers_per_s"] = load["concurrent"]["answers_per_s"]
            figures["http_concurrent_p95_ms"] = load["concurrent"]["latency_ms"]["p95"]
            figures["http_errors"] = load["concurrent"]["errors"]
        figures["cold_start_ratio"] = served["ratio_vs_naive"]
        figures["cold_start_s"] = served["first_answer_s"]["p50"]
        figures["naive_start_s"] = served["naive_s"]["p50"]
        figures["server_peak_rss_mb"] = served["server_peak_rss_mb"]
        figures["naive_peak_rss_mb"] = served["naive_peak_rss_mb"]
    page = results.get("page")
    if page:
        figures["html_bytes"] = page["html_bytes"]["identity"]
        figures["html_gzip_bytes"] = page["html_bytes"]["gzip"]
        if "first_visit_ms" in page:
            figures["input_ready_ms_p50"] = page["first_visit_ms"]["p50"]
            figures["input_ready_return_ms_p50"] = page["return_visit_ms"]["p50"]
    scale = results.get("scale")
    if scale:
        largest = max(scale["sizes"], key=lambda row: row["chunks"])
        used = largest.get("approximate") if largest["bot_uses"] == "approximate" else largest["flat"]
        figures["largest_chunks"] = largest["chunks"]
        figures["largest_index"] = largest["bot_uses"]
        figures["recall_at_10_largest"] = (largest.get("approximate") or {}).get("recall_at_10", 1.0)
        figures["query_p50_ms_largest"] = used["query_ms"]["p50"]
        figures["build_chunks_per_s"] = scale["sample_build"]["chunks_per_s"]
    return figures


def verdicts(figures: dict) -> dict[str, bool]:
    out = {}
    for key, (sign, target) in TARGETS.items():
        if key in figures and figures[key] is not None:
            out[key] = figures[key] <= target if sign == "≤" else figures[key] >= target
    return out


def write_reports(results: dict, out_dir: Path, stem: str = "benchmarks") -> dict[str, Path]:
    """Write `<stem>.json`, `<stem>.md` and `<stem>.png` into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{stem}.json", "markdown": out_dir / f"{stem}.md", "plot": out_dir / f"{stem}.png"}
    paths["json"].write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(results, paths["plot"])
    paths["markdown"].write_text(markdown(results, paths["plot"].name), encoding="utf-8")
    return paths


def markdown(results: dict, plot_name: str) -> str:
    figures, met = results["headline"], results["verdicts"]
    machine = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{results['command']}` on {results['finished']} in {results['seconds']:.0f} s "
        f"({'quick mode: too few samples to quote' if results['quick'] else 'full run'}).",
        "",
        f"**Machine:** {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, {machine['os']}, "
        f"Python {machine['python']}. Load average (1/5/15 min) at start {machine['load_average']}, "
        f"at the end {results.get('load_average_end')}: the machine is shared, so everything compared is "
        "measured in the same run, interleaved, and reported as medians, 95th percentiles and ratios.",
        "",
        "## Targets",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
    ]
    rows = [
        ("Answer / bare `model.encode`, p50 (p95)", "answer_overhead_ratio_p50",
         f"{_f(figures.get('answer_overhead_ratio_p50'))}× ({_f(figures.get('answer_overhead_ratio_p95'))}×)"),
        ("HTTP, 8 clients: answers/s", "http_answers_per_s", _f(figures.get("http_answers_per_s"), 1)),
        ("HTTP, 8 clients: p95", "http_concurrent_p95_ms", f"{_f(figures.get('http_concurrent_p95_ms'), 0)} ms"),
        ("HTTP, 8 clients: errors", "http_errors", str(figures.get("http_errors"))),
        ("Cold start to first HTTP answer / naive start", "cold_start_ratio",
         f"{_f(figures.get('cold_start_ratio'))}× ({_f(figures.get('cold_start_s'), 1)} s vs "
         f"{_f(figures.get('naive_start_s'), 1)} s)"),
        ("Peak RSS of the server (under load)", "server_peak_rss_mb",
         f"{_f(figures.get('server_peak_rss_mb'), 0)} MB (naive script: {_f(figures.get('naive_peak_rss_mb'), 0)} MB)"),
        (f"Recall@10 at {figures.get('largest_chunks', 0):,} chunks", "recall_at_10_largest",
         _f(figures.get("recall_at_10_largest"), 3)),
        (f"Query p50 at {figures.get('largest_chunks', 0):,} chunks ({figures.get('largest_index')})",
         "query_p50_ms_largest", f"{_f(figures.get('query_p50_ms_largest'), 2)} ms"),
    ]
    for label, key, value in rows:
        sign, target = TARGETS[key]
        mark = "" if key not in met else ("met" if met[key] else "**missed**")
        lines.append(f"| {label} | {value} | {sign} {target:g} | {mark} |")
    lines += ["", f"![Benchmark plots]({plot_name})", ""]
    lines += _overhead_section(results.get("answer_overhead"))
    lines += _served_section(results.get("served"), results["machine"].get("cores"))
    lines += _page_section(results.get("page"))
    lines += _scale_section(results.get("scale"))
    lines += _profile_section(results.get("profile"))
    lines += ["## How it was measured", "", results["method"], ""]
    return "\n".join(lines)


def _overhead_section(data: dict | None) -> list[str]:
    if not data:
        return []
    rows = [("Answer (`Chatbot.ask`)", data["answer_ms"]),
            (f"bare `SentenceTransformer.encode(question)`, torch {data['torch_threads']} threads",
             data["st_encode_default_threads_ms"]),
            ("bare `SentenceTransformer.encode(question)`, torch 1 thread", data["st_encode_one_thread_ms"]),
            ("bare bot encoder (`Embedder.embed_one`)", data["our_encode_ms"]),
            ("model time inside an answer", data["model_time_in_answer_ms"]),
            ("answer minus model time (search, BM25, scoring, quotes)", data["answer_minus_model_ms"])]
    lines = ["## 1. Answer overhead (in process)", "",
             f"{data['measured']} answers ({data['questions']} questions × {data['rounds']} round(s)"
             f"{', stopped at the time budget' if data['stopped_early'] else ''}), interleaved (answer, bare "
             f"encode with torch's default and with one thread, bot encoder; rotating which goes first); "
             f"{data['abstained_share']:.0%} of answers abstain.", "",
             "| | p50 ms | p95 ms | IQR ms |", "|---|---|---|---|"]
    lines += [f"| {label} | {s['p50']:.2f} | {s['p95']:.2f} | {s['iqr']:.2f} |" for label, s in rows]
    lines += ["", f"The yardstick is the faster of the two `model.encode` rows (torch {data['st_encode_threads']} "
              "thread(s) in this run)."]
    lines += ["", f"Ratios: answer / bare `model.encode` p50 **{data['ratio_p50_vs_st_encode']}×**, p95 "
              f"{data['ratio_p95_vs_st_encode']}×; answer / the bot's own encoder p50 "
              f"{data['ratio_p50_vs_our_encode']}×, "
              f"p95 {data['ratio_p95_vs_our_encode']}×.", ""]
    return lines


def _served_section(data: dict | None, cores: int | None = None) -> list[str]:
    if not data:
        return []
    lines = ["## 2. Over HTTP, 3. cold start, 4. memory", ""]
    load = data.get("load")
    if load:
        single, concurrent = load["single_client_ms"], load["concurrent"]
        lines += [
            f"One `gradio_client` client, {single['n']} questions in a row to `/chat`: p50 {single['p50']:.1f} ms, "
            f"p95 {single['p95']:.1f} ms.",
            "",
            f"{concurrent['clients']} concurrent clients (threads of the benchmark process, each with its own "
            f"`Client`), {concurrent['bursts']} bursts, {concurrent['requests']} requests: **"
            f"{concurrent['answers_per_s']} answers/s** (median of the bursts: "
            f"{', '.join(str(r) for r in concurrent['answers_per_s_each_burst'])}), latency p50 "
            f"{concurrent['latency_ms']['p50']:.1f} ms, p95 {concurrent['latency_ms']['p95']:.1f} ms (each burst: "
            f"{', '.join(str(p) for p in concurrent['p95_ms_each_burst'])}), "
            f"{concurrent['errors']} errors. CPU time per answer during the burst: server "
            f"{concurrent['server_cpu_ms_per_answer']} ms, clients {concurrent['client_cpu_ms_per_answer']} ms; so "
            f"{_capacity(cores, concurrent)}.",
            "",
        ]
    lines += ["| start | runs | p50 s | each run (s) | peak RSS MB |", "|---|---|---|---|---|",
              f"| naive script (eager imports, load, one encode) | {data['repeats']} | {data['naive_s']['p50']:.2f} | "
              f"{_joined(n['seconds'] for n in data['naive'])} | {data['naive_peak_rss_mb']:.0f} |",
              f"| `python app.py` → page answers HTTP | {data['repeats']} | {data['page_up_s']['p50']:.2f} | "
              f"{_joined(o['page_up_s'] for o in data['ours'])} | |",
              f"| `python app.py` → first answer over HTTP | {data['repeats']} | {data['first_answer_s']['p50']:.2f} | "
              f"{_joined(o['first_answer_s'] for o in data['ours'])} | {data['server_peak_rss_mb']:.0f} |",
              "", f"Cold start ratio (p50 first answer / p50 naive): **{data['ratio_vs_naive']}×**. The server's peak "
              "RSS is the kernel's high-water mark for the whole run, load test included.", ""]
    return lines


def _page_section(data: dict | None) -> list[str]:
    if not data:
        return []
    sizes = data["html_bytes"]
    lines = ["## The page in a browser", "",
             f"The HTML of the page: {sizes['identity']:,} bytes uncompressed, **{sizes['gzip']:,} bytes** as sent "
             f"to a browser that accepts gzip ({sizes['gzip_encoding']}).", ""]
    if "skipped" in data:
        return lines + [f"Input-ready was not measured: {data['skipped']}.", ""]
    first, again = data["first_visit_ms"], data["return_visit_ms"]
    return lines + [
        "| visit | n | input-ready p50 ms | p95 ms |", "|---|---|---|---|",
        f"| first (empty cache) | {first['n']} | **{first['p50']:.0f}** | {first['p95']:.0f} |",
        f"| return (reload) | {again['n']} | {again['p50']:.0f} | {again['p95']:.0f} |",
        "", "Input-ready: from navigation start until the page's script has run and the textbox takes a question "
        "(Chromium on the same machine, over loopback).", ""]


def _scale_section(data: dict | None) -> list[str]:
    if not data:
        return []
    sample = data["sample_build"]
    lines = ["## 5. Scale", "",
             f"Real build of a generated sample ({sample['chunks']} chunks, {sample['sentences']} sentences, "
             f"{sample['texts_embedded']} texts embedded) with the real model: **{sample['chunks_per_s']} chunks/s** "
             f"end to end ({sample['build_s']} s: model {sample['model_s']} s at "
             f"{sample['model_texts_per_s']} texts/s, "
             f"sentence splitting {sample['chunking_s']} s at {sample['chunking_chunks_per_s']} chunks/s, the rest "
             f"{sample['other_s']} s); {sample['index_bytes_per_chunk']} bytes of index folder per chunk.", "",
             f"Index layer (flat below {data['ann_min_chunks']:,} chunks, HNSW M={data['hnsw_m']}, "
             f"efConstruction={data['hnsw_ef_construction']} from there on); {data['queries']} real-model query "
             f"vectors, k={data['search_k']} as the retriever asks:", "",
             "| chunks | bot uses | flat p50 / p95 ms | flat MB | approx. build s | approx. p50 / p95 ms | "
             "approx. MB | recall@10 | real build (projected) | index folder (projected) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in data["sizes"]:
        flat, ann = row["flat"], row.get("approximate")
        ann_cells = (f"{ann['build_s']} | {ann['query_ms']['p50']:.3f} / {ann['query_ms']['p95']:.3f} | "
                     f"{ann['bytes'] / 2**20:.1f} | {ann['recall_at_10']:.3f}") if ann else "– | – | – | –"
        lines.append(f"| {row['chunks']:,} | {row['bot_uses']} | {flat['query_ms']['p50']:.3f} / "
                     f"{flat['query_ms']['p95']:.3f} | {flat['bytes'] / 2**20:.1f} | {ann_cells} | "
                     f"{row['projected_real_build_min']} min | {row['projected_index_folder_mb']} MB |")
    lines += ["", f"Vectors: {data['method']}.", ""]
    return lines


def _profile_section(data: dict | None) -> list[str]:
    if not data:
        return []
    lines = ["## Profile of the server under load", "",
             f"`py-spy record` ({data['samples']} samples over {data['seconds']} s, all threads, idle frames "
             "excluded) while 8 clients ask: share of samples in which each function is on the stack.", "",
             "| function | on stack | self |", "|---|---|---|"]
    lines += [f"| `{row['frame']}` | {row['inclusive']:.0%} | {row['self']:.0%} |" for row in data["top"]]
    return lines + [""]


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    overhead = results.get("answer_overhead")
    ax = axes[0][0]
    if overhead:
        samples = overhead["samples_ms"]
        ax.boxplot([samples["answer"], samples["st_encode"], samples["our_encode"]], showfliers=False)
        ax.set_xticks([1, 2, 3], ["answer", "bare\nmodel.encode", "bot encoder\n(numpy)"])
        ax.set_ylabel("ms")
        ax.set_title(f"1. In-process answer vs bare encode (p50 ratio {overhead['ratio_p50_vs_st_encode']}×)")
    served = results.get("served") or {}
    ax = axes[0][1]
    load = served.get("load")
    if load:
        ax.boxplot([load["samples_ms"]["single"], load["samples_ms"]["concurrent"]], showfliers=False)
        ax.set_xticks([1, 2], ["1 client", f"{load['concurrent']['clients']} clients"])
        ax.axhline(250, color="tab:red", linestyle="--", linewidth=1, label="p95 target 250 ms")
        ax.set_ylabel("ms per answer over HTTP")
        ax.legend(loc="upper left")
        ax.set_title(f"2. HTTP latency; {load['concurrent']['answers_per_s']} answers/s with "
                     f"{load['concurrent']['clients']} clients")
    ax = axes[1][0]
    if served:
        labels = ["naive script", "app: page up", "app: first answer"]
        values = [served["naive_s"]["p50"], served["page_up_s"]["p50"], served["first_answer_s"]["p50"]]
        bars = ax.bar(labels, values, color=["tab:gray", "tab:blue", "tab:green"])
        ax.bar_label(bars, fmt="%.1f s", label_type="center", color="white", fontweight="bold")
        ax.set_ylabel("seconds from spawn (p50)")
        twin = ax.twinx()
        twin.plot([0, 2], [served["naive_peak_rss_mb"], served["server_peak_rss_mb"]], "o", color="tab:red")
        twin.set_ylabel("peak RSS MB (red dots)")
        twin.set_ylim(0, max(700, served["naive_peak_rss_mb"] * 1.2))
        ax.set_title(f"3–4. Cold start {served['ratio_vs_naive']}× naive; "
                     f"peak RSS {served['server_peak_rss_mb']:.0f} MB")
    scale = results.get("scale")
    ax = axes[1][1]
    if scale:
        rows = sorted(scale["sizes"], key=lambda r: r["chunks"])
        ax.plot([r["chunks"] for r in rows], [r["flat"]["query_ms"]["p50"] for r in rows], "o-", label="flat (exact)")
        ann = [r for r in rows if r.get("approximate")]
        ax.plot([r["chunks"] for r in ann], [r["approximate"]["query_ms"]["p50"] for r in ann], "s-",
                label="HNSW (recall@10 " + " / ".join(f"{r['approximate']['recall_at_10']:.3f}" for r in ann) + ")")
        ax.axvline(scale["ann_min_chunks"], color="gray", linestyle=":", label=f"switch at {scale['ann_min_chunks']:,}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks")
        ax.set_ylabel("vector search p50, ms")
        ax.legend(loc="upper left", fontsize=8)
        ax.set_title("5. Search time by corpus size")
    fig.suptitle(f"{results['machine']['cpu']}, {results['machine']['cores']} cores — {results['finished']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _capacity(cores: int | None, concurrent: dict) -> str:
    """What the CPU per answer says the cores could serve if this run had had them to itself."""
    server, client = concurrent.get("server_cpu_ms_per_answer"), concurrent.get("client_cpu_ms_per_answer")
    if not server or not cores:
        return "no CPU-bound estimate"
    return (f"{cores} cores serve at most ~{cores * 1000 / (server + client):.0f} answers/s with the "
            f"clients on the same machine, ~{cores * 1000 / server:.0f}/s with the clients elsewhere")


def _joined(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _f(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
