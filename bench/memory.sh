#!/usr/bin/env bash
# bench/memory.sh: peak memory of `keypivot pivot` on two memory bombs (issue 9, item 6).
#
#   bench/memory.sh                  # both inputs, generated in a temporary directory
#   BOMB_GB=1 LINE_MB=100 bench/memory.sh
#   BASE=HEAD~3 bench/memory.sh      # also a baseline built from that revision (git archive,
#                                    # the working tree untouched), same inputs, same run;
#                                    # the baseline reads the gzip bomb only with BASE_BOMB=1
#                                    # (before the record limit it took 12 GiB)
#
# Inputs (streamed to disk by shell pipes, never held in memory):
#   bomb.json.gz   one {"Records":[...]} document whose first record is BOMB_GB (default 2)
#                  GiB (a single string of 'x'), gzip -9 (about 2 MB), then one ordinary
#                  record of the key
#   line.ndjson    an NDJSON file whose first line is a LINE_MB (default 100) MiB record,
#                  then one ordinary record of the key
# Each runs `keypivot pivot KEY --trail FILE --format json` under /usr/bin/time -v; the row
# shows peak RSS, wall time, the exit code, whether the oversized record was reported as
# a problem, and whether the ordinary record after it was still read. The script fails
# when a peak RSS reaches LIMIT_MB (default 512), when the oversized record is not
# reported, or when the record after it is lost.
set -euo pipefail
cd "$(dirname "$0")/.."
BOMB_GB=${BOMB_GB:-2}
LINE_MB=${LINE_MB:-100}
LIMIT_MB=${LIMIT_MB:-512}
KEY=AKIAHA4AFLKGIJDAVJ5C

if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1; } || true
	fi
	[ -x /usr/bin/time ] || { echo "bench/memory.sh needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 1; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/keypivot-memory.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "== building"
go build -o "$TMP/keypivot" ./cmd/keypivot
BUILDS=(keypivot)
if [ -n "${BASE:-}" ]; then
	mkdir -p "$TMP/base"
	git archive "$BASE" | tar -x -C "$TMP/base"
	(cd "$TMP/base" && go build -o "$TMP/keypivot-base" ./cmd/keypivot)
	BUILDS=(keypivot-base keypivot)
fi

# head and tail of one CloudTrail record of the key; the big value goes in between.
rec_head() { # id
	printf '{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/x","accountId":"111122223333","accessKeyId":"%s","userName":"x"},"eventTime":"2026-03-02T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"PutUserPolicy","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2","eventID":"%s","readOnly":false,"recipientAccountId":"111122223333","requestParameters":{"policyDocument":"' "$KEY" "$1"
}
rec_tail() { printf '"}}'; }
record() { # id: an ordinary record
	rec_head "$1"
	printf '{}'
	rec_tail
}

echo "== generating ${BOMB_GB} GiB in one record (gzip -9) and a ${LINE_MB} MiB NDJSON line in $TMP"
{
	printf '{"Records":['
	rec_head bomb-record
	head -c "$((BOMB_GB << 30))" /dev/zero | tr '\0' x
	rec_tail
	printf ','
	record after-bomb
	printf ']}\n'
} | gzip -9 >"$TMP/bomb.json.gz"
{
	rec_head line-record
	head -c "$((LINE_MB << 20))" /dev/zero | tr '\0' x
	rec_tail
	printf '\n'
	record after-line
	printf '\n'
} >"$TMP/line.ndjson"
ls -l "$TMP/bomb.json.gz" "$TMP/line.ndjson" | awk '{printf "   %s %d bytes\n", $NF, $5}'

fail=0
printf '\n%-14s %-14s %12s %10s %5s %-20s %s\n' build input peak-RSS elapsed exit oversized-reported next-record-read
for build in "${BUILDS[@]}"; do
	for input in bomb.json.gz line.ndjson; do
		if [ "$build" = keypivot-base ] && [ "$input" = bomb.json.gz ] && [ -z "${BASE_BOMB:-}" ]; then
			printf '%-14s %-14s %s\n' "$build" "$input" "(skipped: set BASE_BOMB=1)"
			continue
		fi
		next=after-bomb
		[ "$input" = line.ndjson ] && next=after-line
		set +e
		/usr/bin/time -v -o "$TMP/time.txt" "$TMP/$build" pivot "$KEY" --trail "$TMP/$input" --format json >"$TMP/out.json" 2>"$TMP/err.txt"
		code=$?
		set -e
		rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time.txt")
		elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$TMP/time.txt")
		reported=no
		grep -q 'over the record size limit' "$TMP/out.json" "$TMP/err.txt" && reported=yes
		found=no
		grep -q "\"$next\"" "$TMP/out.json" && found=yes
		printf '%-14s %-14s %9d MB %10s %5s %-20s %s\n' "$build" "$input" "$((rss_kb / 1024))" "$elapsed" "$code" "$reported" "$found"
		[ "$build" = keypivot ] || continue
		if [ "$rss_kb" -ge "$((LIMIT_MB * 1024))" ]; then
			echo "FAIL: $input peak RSS $((rss_kb / 1024)) MB >= $LIMIT_MB MB" >&2
			fail=1
		fi
		if [ "$reported" != yes ] || [ "$found" != yes ]; then
			echo "FAIL: $input: oversized record reported: $reported, record after it read: $found" >&2
			head -c 2000 "$TMP/err.txt" >&2
			fail=1
		fi
	done
done
exit $fail
