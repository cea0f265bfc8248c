package investigate

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkFindingsPatterns measures the findings of a busy key (100,000 events: a bulk
// S3 read, LLM-jacking, discovery) with the attack patterns, against the same findings
// with no pattern (the baseline, in the same run):
// go test ./investigate -run '^$' -bench FindingsPatterns -benchmem
func BenchmarkFindingsPatterns(b *testing.B) {
	var calls []call
	for i := range 100_000 {
		at := time.Duration(i) * time.Second
		switch i % 10 {
		case 0, 1, 2, 3:
			calls = append(calls, call{id: fmt.Sprint("g", i), svc: "s3", name: "GetObject", at: at,
				req: fmt.Sprintf(`{"bucketName":"b%d","key":"k/%d.csv"}`, i%7, i)})
		case 4:
			calls = append(calls, call{id: fmt.Sprint("i", i), svc: "bedrock", name: "InvokeModel", at: at, req: `{"modelId":"anthropic.claude-3-sonnet-20240229-v1:0"}`})
		default:
			calls = append(calls, call{id: fmt.Sprint("d", i), svc: "ec2", name: "DescribeInstances", at: at})
		}
	}
	own := events(calls...)
	self := &Owner{User: "deploy-bot"}
	run := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if fs := buildFindings(own, own, self); len(fs) == 0 {
				b.Fatal("no findings")
			}
		}
	}
	b.Run("patterns", run)
	b.Run("baseline-no-patterns", func(b *testing.B) {
		saved := patterns
		patterns = nil
		defer func() { patterns = saved }()
		run(b)
	})
}
