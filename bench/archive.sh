#!/usr/bin/env bash
# bench/archive.sh: keypivot's pivot over a generated CloudTrail archive, against the
# decompression floor, rg -z and zcat | jq, all in one run over the same files.
#
#   bench/archive.sh                 # 1 GB archive (generated once under bench/out/)
#   SIZE=256MB RUNS=3 bench/archive.sh
#   GEN="-accounts 2 -regions us-east-1,eu-west-1" bench/archive.sh   # fewer, larger files
#
# Rows (each the best of RUNS runs; wall time and peak RSS from /usr/bin/time):
#   keypivot (BUILD)    keypivot pivot KEY --trail DIR --format json, for each build:
#                         libdeflate  -tags libdeflate, linked (when libdeflate-dev is there)
#                         default     go build: loads libdeflate.so.0 at run time when the
#                                     system has it (libdeflate0), else klauspost/compress
#                         pure-go     CGO_ENABLED=0: static, klauspost/compress only (what the
#                                     default build does on a machine without libdeflate)
#   floor: libdeflate-gzip / igzip / pigz / zcat
#                       the archive's log files decompressed to /dev/null by N parallel
#                       decompressors (xargs -P N, N = cores): the same cores keypivot uses;
#                       libdeflate-gzip (libdeflate-tools) and igzip (isal) are the fastest
#                       inflaters there are, and keypivot is reported against the fastest row
#   rg -z               ripgrep searching the compressed files for the key (all cores)
#   zcat | jq           one zcat | jq 'select(...)' pipeline; and N such pipelines in parallel
# Targets (issue 6): >= 5x faster than zcat | jq, faster than rg -z, peak RSS under 300 MB
# on a 1 GB archive; (issue 13) within 1.2x of the fastest floor with the libdeflate build,
# 2.0x with the default build. The pivot's result is checked against the generator's
# manifest, so a fast wrong answer fails. On a shared machine, compare rows of one run
# (RUNS=5 keeps each row's best).
# To see where a pivot spends its time: KEYPIVOT_CPUPROFILE=cpu.prof keypivot pivot ...,
# then go tool pprof -top keypivot cpu.prof.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-1GB}
RUNS=${RUNS:-1}
ROW_TIMEOUT=${ROW_TIMEOUT:-1800} # seconds; a row that takes longer is reported as a lower bound
OUT=${OUT:-bench/out}
GEN=${GEN:-} # more cmd/trailgen flags
ARCH=$OUT/archive-$SIZE${GEN:+-$(printf '%s' "$GEN" | tr -c 'a-zA-Z0-9,' '_')}
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
want_pkg libdeflate-gzip libdeflate-tools
want_pkg igzip isal
want_pkg rg ripgrep
[ -x /usr/bin/time ] || want_pkg /usr/bin/time time
[ -x /usr/bin/time ] || { echo "bench/archive.sh needs GNU time (/usr/bin/time)" >&2; exit 1; }
have jq || { echo "bench/archive.sh needs jq" >&2; exit 1; }
if [ ! -f /usr/include/libdeflate.h ] && [ "$(id -u)" = 0 ] && have apt-get; then
	apt-get install -y libdeflate-dev >/dev/null 2>&1 || true
fi

echo "== building"
go build -o "$OUT/trailgen" ./cmd/trailgen
go build -o "$OUT/keypivot-default" ./cmd/keypivot
CGO_ENABLED=0 go build -o "$OUT/keypivot-pure-go" ./cmd/keypivot
BUILDS=(default pure-go)
if [ ! -f /usr/include/libdeflate.h ]; then
	echo "libdeflate-dev missing: not measuring the linked libdeflate build" >&2
elif CGO_ENABLED=1 go build -tags libdeflate -o "$OUT/keypivot-libdeflate" ./cmd/keypivot; then
	BUILDS=(libdeflate default pure-go)
else
	echo "the libdeflate build failed with libdeflate-dev installed: fix it rather than measure without it" >&2
	exit 1
fi
if { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | grep -q 'libdeflate\.so\.0 '; then
	echo "the default build loads libdeflate.so.0 at run time" >&2
else
	echo "libdeflate.so.0 not installed (libdeflate0): the default build reads with klauspost/compress" >&2
fi

if [ ! -f "$ARCH/manifest.json" ]; then
	echo "== generating a $SIZE archive in $ARCH"
	rm -rf "$ARCH"
	# shellcheck disable=SC2086 # GEN is flags, split on purpose
	"$OUT/trailgen" -size "$SIZE" $GEN -out "$ARCH"
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
run_once() { # name command: one run, kept when it is the row's best; false when it failed
	local name=$1 cmd=$2 rc=0 s m
	[ -n "${CUT[$name]:-}" ] && return 1 # stopped already
	/usr/bin/time -f "%e %M" -o "$OUT/time.txt" timeout "$ROW_TIMEOUT" bash -c "$cmd" || rc=$?
	if [ "$rc" = 124 ]; then
		SEC[$name]=$ROW_TIMEOUT RSS[$name]=0 CUT[$name]=">="
		return 1
	fi
	[ "$rc" = 0 ] || { echo "$name failed ($rc): $cmd" >&2; CUT[$name]=failed; return 1; }
	read -r s m < <(tail -1 "$OUT/time.txt")
	if [ -z "${SEC[$name]:-}" ] || awk "BEGIN{exit !($s < ${SEC[$name]})}"; then SEC[$name]=$s RSS[$name]=$m; fi
}
print_row() { # name
	local name=$1
	case "${CUT[$name]:-}" in
	">=") printf '%-30s >= %5d s (stopped after ROW_TIMEOUT)\n' "$name" "$ROW_TIMEOUT" ;;
	failed) printf '%-30s failed\n' "$name"; unset "SEC[$name]" ;;
	*) printf '%-30s %8.2f s %8.0f MB/s %7.0f MB peak RSS\n' "$name" "${SEC[$name]}" "$(awk "BEGIN{print $BYTES/1e6/(${SEC[$name]}+1e-9)}")" "$(awk "BEGIN{print ${RSS[$name]}/1024}")" ;;
	esac
}
measure() { # name command: RUNS runs in a row, the best kept
	local i
	for ((i = 0; i < RUNS; i++)); do run_once "$1" "$2" || break; done
	print_row "$1"
}

# keypivot's builds and the floors are measured in rounds, each round running every one
# of them once, so that a busy moment of a shared machine slows them alike; each keeps
# its best round.
ROWS=() FLOORS=()
declare -A CMD
row() { ROWS+=("$1"); CMD[$1]=$2; }
for b in "${BUILDS[@]}"; do
	# A first pivot: each run starts with an empty cache directory (no key index yet), and
	# writes the index there as a first pivot does.
	row "keypivot ($b)" "c=\$(mktemp -d); KEYPIVOT_CACHE_DIR=\$c '$OUT/keypivot-$b' pivot '$KEY' --trail '$ARCH/AWSLogs' --format json --no-progress >'$OUT/pivot-$b.json' 2>'$OUT/pivot-$b.err'; rc=\$?; rm -rf \$c; test \$rc -le 3"
done
for tool in libdeflate-gzip igzip pigz gzip; do
	have $tool || continue
	name="floor: $tool -dc x$CORES"
	[ $tool = gzip ] && name="floor: zcat x$CORES"
	row "$name" "xargs -0 -P $CORES -n 256 $tool -dc <'$OUT/files.list' >/dev/null"
	FLOORS+=("$name")
done
# The floor rows read a list of the files made beforehand; keypivot walks the tree (and
# stats every file, for the index) within its time. This row walks it too, with the
# fastest inflater, for comparison; it is not a floor.
fastest=$(have igzip && echo igzip || echo libdeflate-gzip)
have "$fastest" && row "find | $fastest x$CORES" "find '$ARCH/AWSLogs' -path '*/CloudTrail/*' -name '*.json.gz' -print0 | xargs -0 -P $CORES -n 256 $fastest -dc >/dev/null"

echo "== timings (best of $RUNS; keypivot and the floors in $RUNS interleaved rounds)"
for ((i = 0; i < RUNS; i++)); do
	for name in "${ROWS[@]}"; do run_once "$name" "${CMD[$name]}" || true; done
done
for name in "${ROWS[@]}"; do print_row "$name"; done
for b in "${BUILDS[@]}"; do
	[ -n "${SEC["keypivot ($b)"]:-}" ] || { echo "keypivot ($b) did not run: see $OUT/pivot-$b.err" >&2; exit 1; }
	got=$(jq -r '[.event_count, (.timeline|length), (.sessions|length), (.followups.launches|length)]|join(" ")' "$OUT/pivot-$b.json")
	if [ "$got" != "$WANT_SIGNED $WANT_EVENTS $WANT_SESSIONS $WANT_LAUNCHES" ]; then
		echo "keypivot ($b) found [events signed, all events, sessions, launches] = [$got], the manifest says [$WANT_SIGNED $WANT_EVENTS $WANT_SESSIONS $WANT_LAUNCHES]" >&2
		exit 1
	fi
done
kept=() # the floors that ran to the end
for f in "${FLOORS[@]}"; do
	[ -n "${SEC[$f]:-}" ] && [ -z "${CUT[$f]:-}" ] && kept+=("$f")
done
FLOORS=("${kept[@]}")
measure "zcat | jq" "xargs -0 gzip -dc <'$OUT/files.list' | jq -c --arg k '$KEY' '.Records[] | select(.userIdentity.accessKeyId == \$k)' >/dev/null"
measure "zcat | jq x$CORES" "xargs -0 -P $CORES -n 512 sh -c 'gzip -dc \"\$@\" | jq -c --arg k $KEY \".Records[] | select(.userIdentity.accessKeyId == \\\$k)\"' _ <'$OUT/files.list' >/dev/null"

# rg -z runs gzip once per file: by far the slowest row, so it goes last (ROW_TIMEOUT bounds it).
have rg && measure "rg -z -j$CORES" "rg -z -j $CORES -l -F '$KEY' '$ARCH/AWSLogs' >/dev/null; test \$? -le 1"

ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
lb() { echo "${CUT[$1]:-}"; } # ">=" when the row was stopped: the ratio is a lower bound
echo "== ratios (keypivot ${BUILDS[0]} build; > 1 means keypivot is faster)"
kp=${SEC["keypivot (${BUILDS[0]})"]}
floorname=${FLOORS[0]}
for f in "${FLOORS[@]}"; do
	awk "BEGIN{exit !(${SEC[$f]} < ${SEC[$floorname]})}" && floorname=$f
done
floor=${SEC[$floorname]}
printf 'vs zcat | jq:        %s%sx   (target >= 5)\n' "$(lb "zcat | jq")" "$(ratio "${SEC["zcat | jq"]}" "$kp")"
printf 'vs zcat | jq x%s:     %s%sx\n' "$CORES" "$(lb "zcat | jq x$CORES")" "$(ratio "${SEC["zcat | jq x$CORES"]}" "$kp")"
[ -n "${SEC["rg -z -j$CORES"]:-}" ] && printf 'vs rg -z:            %s%sx   (target > 1)\n' "$(lb "rg -z -j$CORES")" "$(ratio "${SEC["rg -z -j$CORES"]}" "$kp")"
echo "== keypivot / fastest floor (${floorname#floor: }, $floor s; < 1 would beat it)"
for b in "${BUILDS[@]}"; do
	[ -n "${SEC["keypivot ($b)"]:-}" ] || continue
	target=2.0 # the default build; pure-go is what it does without libdeflate
	[ "$b" = libdeflate ] && target=1.2
	printf '%-30s %s   (target <= %s)\n' "keypivot ($b)" "$(ratio "${SEC["keypivot ($b)"]}" "$floor")" "$target"
done
for f in "${FLOORS[@]}" "find | $fastest x$CORES"; do
	[ "$f" = "$floorname" ] || [ -z "${SEC[$f]:-}" ] || printf '%-30s %s\n' "$f" "$(ratio "${SEC[$f]}" "$floor")"
done
printf 'peak RSS:            %s MB (target < 300)\n' "$(awk "BEGIN{print int(${RSS["keypivot (${BUILDS[0]})"]}/1024)}")"
