#!/usr/bin/env bash
# bench/index.sh: the key index (issue 13). A first pivot over a generated archive reads
# every file and keeps the archive's key index in the cache directory; a second pivot, in
# another process, for another key of the same archive reads only the files that can hold
# it. One run, the same archive, the same cores.
#
#   bench/index.sh                   # 1 GB archive (generated once under bench/out/)
#   SIZE=256MB RUNS=3 bench/index.sh
#   GEN="-accounts 2 -regions us-east-1,eu-west-1" bench/index.sh   # fewer, larger files
#
# Rows (each the best of RUNS runs; wall time, CPU time (user + system: the fairer figure
# on a machine shared with other work) and peak RSS from /usr/bin/time):
#   first pivot, no index yet    keypivot pivot KEY --trail DIR, an empty cache: reads
#                                every file and writes the index
#   first pivot, --no-index      the same pivot without the index: what keeping it costs
#   keypivot index               the index built on its own, from an empty cache
#   second pivot, other key      keypivot pivot OTHER --trail DIR over the index the first
#                                pivot wrote (a copy, fresh for every run)
#   second pivot, --no-index     the same pivot reading every file
# Target: second pivot <= 0.1x the first. The second pivot's case (its events, sessions and
# launches, and every event id of its timeline) must be the one --no-index finds, and the
# first pivot's must be the generator's manifest's.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-1GB}
RUNS=${RUNS:-1}
OUT=${OUT:-bench/out}
GEN=${GEN:-} # more cmd/trailgen flags
ARCH=$OUT/archive-$SIZE${GEN:+-$(printf '%s' "$GEN" | tr -c 'a-zA-Z0-9,' '_')}
CACHE=$OUT/index-cache
CORES=$(nproc)
mkdir -p "$OUT"

have() { command -v "$1" >/dev/null 2>&1; }
[ -x /usr/bin/time ] || { echo "bench/index.sh needs GNU time (/usr/bin/time)" >&2; exit 1; }
have jq || { echo "bench/index.sh needs jq" >&2; exit 1; }

echo "== building"
go build -o "$OUT/trailgen" ./cmd/trailgen
go build -o "$OUT/keypivot-index" ./cmd/keypivot
KP=$OUT/keypivot-index

if [ ! -f "$ARCH/manifest.json" ]; then
	echo "== generating a $SIZE archive in $ARCH"
	rm -rf "$ARCH"
	# shellcheck disable=SC2086 # GEN is a list of flags
	"$OUT/trailgen" -size "$SIZE" -out "$ARCH" $GEN
fi
KEY=$(jq -r .attack.key "$ARCH/manifest.json")
OTHER=$(jq -r '.attack.created_keys[0]' "$ARCH/manifest.json")
WANT="$(jq -r .attack.signed_by_key "$ARCH/manifest.json") $(jq -r .attack.events "$ARCH/manifest.json")"
BYTES=$(jq -r .bytes "$ARCH/manifest.json")
echo "== archive: $(jq -r .files "$ARCH/manifest.json") log files, $(jq -r '.bytes/1e6|floor' "$ARCH/manifest.json") MB decompressed, $(jq -r '.compressed/1e6|floor' "$ARCH/manifest.json") MB gzip; keys $KEY, then $OTHER; $CORES cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm the page cache so that every row reads from memory.
find "$ARCH/AWSLogs" -type f -print0 | xargs -0 cat >/dev/null

declare -A SEC CPU RSS
measure() { # name setup command: the best of RUNS runs of command, each after setup
	local name=$1 setup=$2 cmd=$3 best="" bestcpu="" bestrss="" i rc
	for ((i = 0; i < RUNS; i++)); do
		bash -c "$setup"
		rc=0
		/usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" bash -c "$cmd" || rc=$?
		[ "$rc" = 0 ] || { echo "$name failed ($rc): $cmd" >&2; exit 1; }
		read -r s u y m < <(tail -1 "$OUT/time.txt")
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s bestrss=$m; fi
		c=$(awk "BEGIN{print $u + $y}")
		if [ -z "$bestcpu" ] || awk "BEGIN{exit !($c < $bestcpu)}"; then bestcpu=$c; fi
	done
	SEC[$name]=$best CPU[$name]=$bestcpu RSS[$name]=$bestrss
	printf '%-30s %8.2f s %8.2f s CPU %8.0f MB/s %7.0f MB peak RSS\n' "$name" "$best" "$bestcpu" "$(awk "BEGIN{print $BYTES/1e6/($best+1e-9)}")" "$(awk "BEGIN{print $bestrss/1024}")"
}
pivot() { # cache key out [flags]
	echo "KEYPIVOT_CACHE_DIR='$1' '$KP' pivot '$2' --trail '$ARCH/AWSLogs' --format json --no-progress ${4:-} >'$3' 2>'$3.err'; test \$? -le 3"
}

echo "== timings (best of $RUNS)"
measure "first pivot, no index yet" "rm -rf '$CACHE'" "$(pivot "$CACHE" "$KEY" "$OUT/first.json")"
got=$(jq -r '[.event_count, (.timeline|length)]|join(" ")' "$OUT/first.json")
[ "$got" = "$WANT" ] || { echo "first pivot found [signed, all events] = [$got], the manifest says [$WANT]" >&2; exit 1; }
cp -r "$CACHE" "$OUT/index-cache.kept"
measure "first pivot, --no-index" "true" "$(pivot "$OUT/no-cache" "$KEY" "$OUT/first-plain.json" --no-index)"
measure "keypivot index" "rm -rf '$OUT/index-cache.built'" "KEYPIVOT_CACHE_DIR='$OUT/index-cache.built' '$KP' index '$ARCH/AWSLogs' --no-progress >'$OUT/index.txt'"
measure "second pivot, other key" "rm -rf '$CACHE' && cp -r '$OUT/index-cache.kept' '$CACHE'" "$(pivot "$CACHE" "$OTHER" "$OUT/second.json")"
measure "second pivot, --no-index" "true" "$(pivot "$OUT/no-cache" "$OTHER" "$OUT/plain.json" --no-index)"
rm -rf "$OUT/index-cache.kept" "$OUT/index-cache.built"

sig='[.event_count, (.timeline|length), (.sessions|length), (.followups.launches|length), ([.timeline[].event_id]|sort|join(","))]|tojson'
if [ "$(jq -r "$sig" "$OUT/second.json")" != "$(jq -r "$sig" "$OUT/plain.json")" ]; then
	echo "the second pivot with the index found another case than without it" >&2
	exit 1
fi
skipped=$(jq -r '.coverage.sources[0].index.files_skipped // 0' "$OUT/second.json")
warn=$(jq -r '(.coverage.sources[0].index.warnings // []) | join("; ")' "$OUT/second.json")
echo "== the second pivot: $(jq -r .event_count "$OUT/second.json") events of $OTHER, $skipped files skipped by the index${warn:+ (warning: $warn)}"
sed 's/^/   /' "$OUT/index.txt"
r() { awk "BEGIN{printf \"%.3f\", $1/$2}"; }
F="first pivot, no index yet" S="second pivot, other key"
echo "== second pivot / first pivot: $(r "${SEC[$S]}" "${SEC[$F]}")x wall, $(r "${CPU[$S]}" "${CPU[$F]}")x CPU (target <= 0.1x)"
echo "== keeping the index: first pivot / first pivot --no-index: $(r "${SEC[$F]}" "${SEC[first pivot, --no-index]}")x wall, $(r "${CPU[$F]}" "${CPU[first pivot, --no-index]}")x CPU"
echo "== the second pivot without the index / with it: $(r "${SEC[second pivot, --no-index]}" "${SEC[$S]}")x wall"
