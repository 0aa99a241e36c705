#!/usr/bin/env bash
# Pages through every run of an MLflow tracking server with curl, as mltui asks for them
# (the floor of `mltui runs URL` in bench/bench.py): experiments/search once, then
# runs/search over every experiment (run_view_type ALL) with mltui's page sizes — 1,000
# runs first, four times more each page up to 25,000 — following next_page_token.
#
#   bench/curl_pages.sh http://127.0.0.1:5000           # every page
#   bench/curl_pages.sh http://127.0.0.1:5000 --first   # the experiments and the first page
set -euo pipefail
url=${1:?usage: curl_pages.sh URL [--first]}
first=${2:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
curl -sf -o "$out/e.json" "$url/api/2.0/mlflow/experiments/search?max_results=5000&view_type=ALL"
ids=$(grep -o '"experiment_id": *"[^"]*"' "$out/e.json" | sed 's/.*: *//' | paste -sd, -)
size=1000
token=""
pages=0
while :; do
    body="{\"experiment_ids\": [$ids], \"run_view_type\": \"ALL\", \"max_results\": $size"
    [[ -n $token ]] && body+=", \"page_token\": \"$token\""
    body+="}"
    curl -sf -o "$out/p.json" -H 'Content-Type: application/json' -d "$body" \
        "$url/api/2.0/mlflow/runs/search"
    pages=$((pages + 1))
    # The token is the last field of the answer.
    token=$(tail -c 512 "$out/p.json" | grep -o '"next_page_token": *"[^"]*"' | sed 's/.*: *"//; s/"$//' || true)
    [[ -z $token || $first == --first ]] && break
    size=$((size * 4 > 25000 ? 25000 : size * 4))
done
echo "$pages pages" >&2
