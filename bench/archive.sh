#!/usr/bin/env bash
# bench/archive.sh: keypivot's pivot over a generated CloudTrail archive, against the
# decompression floor, rg -z and zcat | jq, all in one run over the same files.
#
#   bench/archive.sh                 # 1 GB archive (generated once under bench/out/)
#   SIZE=256MB RUNS=3 bench/archive.sh
#
# Rows (each the best of RUNS runs; wall time and peak RSS from /usr/bin/time):
#   keypivot            keypivot pivot KEY --trail DIR --format json (libdeflate build when
#                       libdeflate-dev is there; the pure-Go build is measured too)
#   floor pigz / zcat   the archive's log files decompressed to /dev/null by N parallel
#                       decompressors (xargs -P N, N = cores): the same cores keypivot uses
#   rg -z               ripgrep searching the compressed files for the key (all cores)
#   zcat | jq           one zcat | jq 'select(...)' pipeline; and N such pipelines in parallel
# Targets (issue 6): >= 5x faster than zcat | jq, faster than rg -z, within 1.5x of the
# floor, peak RSS under 300 MB on a 1 GB archive. The pivot's result is checked against
# the generator's manifest, so a fast wrong answer fails.
# To see where a pivot spends its time: KEYPIVOT_CPUPROFILE=cpu.prof keypivot pivot ...,
# then go tool pprof -top keypivot cpu.prof.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-1GB}
RUNS=${RUNS:-1}
ROW_TIMEOUT=${ROW_TIMEOUT:-1800} # seconds; a row that takes longer is reported as a lower bound
OUT=${OUT:-bench/out}
ARCH=$OUT/archive-$SIZE
CORES=$(nproc)
mkdir -p "$OUT"

have() { command -v "$1" >/dev/null 2>&1; }
want_pkg() { # tool package
	have "$1" && return 0
	if [ "$(id -u)" = 0 ] && have apt-get; then
		echo "installing $2 for $1" >&2
		(apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null 2>&1; }) || true
	fi
	have "$1" || echo "skipping $1: not installed (apt-get install $2)" >&2
}
want_pkg jq jq
want_pkg pigz pigz
want_pkg rg ripgrep
[ -x /usr/bin/time ] || want_pkg /usr/bin/time time
[ -x /usr/bin/time ] || { echo "bench/archive.sh needs GNU time (/usr/bin/time)" >&2; exit 1; }
have jq || { echo "bench/archive.sh needs jq" >&2; exit 1; }
if [ ! -f /usr/include/libdeflate.h ] && [ "$(id -u)" = 0 ] && have apt-get; then
	apt-get install -y libdeflate-dev >/dev/null 2>&1 || true
fi

echo "== building"
go build -o "$OUT/trailgen" ./cmd/trailgen
go build -o "$OUT/keypivot-go" ./cmd/keypivot
BUILDS=(go)
if [ -f /usr/include/libdeflate.h ] && CGO_ENABLED=1 go build -tags libdeflate -o "$OUT/keypivot-libdeflate" ./cmd/keypivot 2>/dev/null; then
	BUILDS=(libdeflate go)
else
	echo "libdeflate-dev missing: measuring the pure-Go build only" >&2
fi

if [ ! -f "$ARCH/manifest.json" ]; then
	echo "== generating a $SIZE archive in $ARCH"
	rm -rf "$ARCH"
	"$OUT/trailgen" -size "$SIZE" -out "$ARCH"
fi
KEY=$(jq -r .attack.key "$ARCH/manifest.json")
WANT_EVENTS=$(jq -r .attack.events "$ARCH/manifest.json")
WANT_SIGNED=$(jq -r .attack.signed_by_key "$ARCH/manifest.json")
WANT_SESSIONS=$(jq -r '.attack.session_keys|length' "$ARCH/manifest.json")
WANT_LAUNCHES=$(jq -r .attack.launches "$ARCH/manifest.json")
BYTES=$(jq -r .bytes "$ARCH/manifest.json")
find "$ARCH/AWSLogs" -path '*/CloudTrail/*' -name '*.json.gz' -print0 >"$OUT/files.list"
NFILES=$(tr -cd '\0' <"$OUT/files.list" | wc -c)
echo "== archive: $NFILES log files, $(jq -r '.bytes/1e6|floor' "$ARCH/manifest.json") MB decompressed, $(jq -r '.compressed/1e6|floor' "$ARCH/manifest.json") MB gzip; key $KEY; $CORES cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm the page cache so that every row reads from memory.
xargs -0 cat <"$OUT/files.list" >/dev/null

declare -A SEC RSS
declare -A CUT
measure() { # name command
	local name=$1 cmd=$2 best="" bestrss="" i rc
	for ((i = 0; i < RUNS; i++)); do
		rc=0
		/usr/bin/time -f "%e %M" -o "$OUT/time.txt" timeout "$ROW_TIMEOUT" bash -c "$cmd" || rc=$?
		if [ "$rc" = 124 ]; then
			SEC[$name]=$ROW_TIMEOUT RSS[$name]=0 CUT[$name]=">="
			printf '%-28s >= %5d s (stopped after ROW_TIMEOUT)\n' "$name" "$ROW_TIMEOUT"
			return 0
		fi
		[ "$rc" = 0 ] || { echo "$name failed ($rc): $cmd" >&2; return 0; }
		read -r s m < <(tail -1 "$OUT/time.txt")
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s bestrss=$m; fi
	done
	SEC[$name]=$best RSS[$name]=$bestrss
	printf '%-28s %8.2f s %8.0f MB/s %7.0f MB peak RSS\n' "$name" "$best" "$(awk "BEGIN{print $BYTES/1e6/($best+1e-9)}")" "$(awk "BEGIN{print $bestrss/1024}")"
}

echo "== timings (best of $RUNS)"
for b in "${BUILDS[@]}"; do
	measure "keypivot ($b)" "'$OUT/keypivot-$b' pivot '$KEY' --trail '$ARCH/AWSLogs' --format json --no-progress >'$OUT/pivot-$b.json' 2>'$OUT/pivot-$b.err'; test \$? -le 3"
	got=$(jq -r '[.event_count, (.timeline|length), (.sessions|length), (.followups.launches|length)]|join(" ")' "$OUT/pivot-$b.json")
	if [ "$got" != "$WANT_SIGNED $WANT_EVENTS $WANT_SESSIONS $WANT_LAUNCHES" ]; then
		echo "keypivot ($b) found [events signed, all events, sessions, launches] = [$got], the manifest says [$WANT_SIGNED $WANT_EVENTS $WANT_SESSIONS $WANT_LAUNCHES]" >&2
		exit 1
	fi
done
have pigz && measure "floor: pigz -dc x$CORES" "xargs -0 -P $CORES -n 256 pigz -dc <'$OUT/files.list' >/dev/null"
measure "floor: zcat x$CORES" "xargs -0 -P $CORES -n 256 gzip -dc <'$OUT/files.list' >/dev/null"
measure "zcat | jq" "xargs -0 gzip -dc <'$OUT/files.list' | jq -c --arg k '$KEY' '.Records[] | select(.userIdentity.accessKeyId == \$k)' >/dev/null"
measure "zcat | jq x$CORES" "xargs -0 -P $CORES -n 512 sh -c 'gzip -dc \"\$@\" | jq -c --arg k $KEY \".Records[] | select(.userIdentity.accessKeyId == \\\$k)\"' _ <'$OUT/files.list' >/dev/null"

# rg -z runs gzip once per file: by far the slowest row, so it goes last (ROW_TIMEOUT bounds it).
have rg && measure "rg -z -j$CORES" "rg -z -j $CORES -l -F '$KEY' '$ARCH/AWSLogs' >/dev/null; test \$? -le 1"

ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
lb() { echo "${CUT[$1]:-}"; } # ">=" when the row was stopped: the ratio is a lower bound
echo "== ratios (keypivot ${BUILDS[0]} build; > 1 means keypivot is faster)"
kp=${SEC["keypivot (${BUILDS[0]})"]}
floor=${SEC["floor: zcat x$CORES"]}
if [ -n "${SEC["floor: pigz -dc x$CORES"]:-}" ] && awk "BEGIN{exit !(${SEC["floor: pigz -dc x$CORES"]} < $floor)}"; then floor=${SEC["floor: pigz -dc x$CORES"]}; fi
printf 'vs zcat | jq:        %s%sx   (target >= 5)\n' "$(lb "zcat | jq")" "$(ratio "${SEC["zcat | jq"]}" "$kp")"
printf 'vs zcat | jq x%s:     %s%sx\n' "$CORES" "$(lb "zcat | jq x$CORES")" "$(ratio "${SEC["zcat | jq x$CORES"]}" "$kp")"
[ -n "${SEC["rg -z -j$CORES"]:-}" ] && printf 'vs rg -z:            %s%sx   (target > 1)\n' "$(lb "rg -z -j$CORES")" "$(ratio "${SEC["rg -z -j$CORES"]}" "$kp")"
printf 'keypivot / floor:    %s    (target <= 1.5; floor = fastest parallel decompression)\n' "$(ratio "$kp" "$floor")"
printf 'peak RSS:            %s MB (target < 300)\n' "$(awk "BEGIN{print int(${RSS["keypivot (${BUILDS[0]})"]}/1024)}")"
if [ "${#BUILDS[@]}" -gt 1 ]; then
	printf 'pure-Go build / floor: %s\n' "$(ratio "${SEC["keypivot (go)"]}" "$floor")"
fi
