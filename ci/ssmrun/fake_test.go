package ssmrun

// fakeSSM is a fault-injecting fake of the SSM HTTP API (JSON 1.1,
// X-Amz-Target: AmazonSSM.<Operation>) for what no local component can do:
// failing, timing out, offline instances, throttling, huge output.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// fakeHost is one instance and how commands end on it.
type fakeHost struct {
	ping   string            // PingStatus
	tags   map[string]string // for tag: filters
	status string            // final Status
	detail string            // final StatusDetails
	stdout string
	stderr string
	// notYet is how many GetCommandInvocation calls answer
	// InvocationDoesNotExist first; inProgress how many then answer InProgress.
	notYet, inProgress int
	// never keeps the invocation InProgress forever; pending keeps it
	// Pending (SSM holding it back under MaxConcurrency / MaxErrors).
	never, pending bool
}

type fakeSSM struct {
	t     *testing.T
	mu    sync.Mutex
	hosts map[string]*fakeHost
	// throttle answers ThrottlingException to the next n calls of an operation.
	throttle map[string]int
	calls    map[string]int
	sent     []map[string]any // SendCommand bodies
	polls    map[string]int   // commandID/instance -> GetCommandInvocation calls
	cmds     map[string][]string
}

func newFake(t *testing.T, hosts map[string]*fakeHost) (*fakeSSM, *ssm.Client) {
	f := &fakeSSM{t: t, hosts: hosts, throttle: map[string]int{}, calls: map[string]int{}, polls: map[string]int{}, cmds: map[string][]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := ssm.New(ssm.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		// The SDK's own retries, without their waits or token bucket.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		}),
	})
	return f, client
}

func (f *fakeSSM) fail(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

func (f *fakeSSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.")
	if !ok || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		f.fail(w, 400, "InvalidRequest", "not a signed SSM JSON 1.1 request")
		return
	}
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.fail(w, 400, "SerializationException", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	if f.throttle[op] > 0 {
		f.throttle[op]--
		f.fail(w, 400, "ThrottlingException", "Rate exceeded")
		return
	}
	var out any
	switch op {
	case "DescribeInstanceInformation":
		out = f.describe(in)
	case "SendCommand":
		f.sent = append(f.sent, in)
		id := randomID()
		var ids []string
		for _, v := range in["InstanceIds"].([]any) {
			ids = append(ids, v.(string))
		}
		f.cmds[id] = ids
		out = map[string]any{"Command": map[string]any{"CommandId": id, "InstanceIds": ids, "Status": "Pending"}}
	case "GetCommandInvocation":
		cmd, inst := in["CommandId"].(string), in["InstanceId"].(string)
		h, ok := f.hosts[inst]
		if _, sent := f.cmds[cmd]; !ok || !sent {
			f.fail(w, 400, "InvocationDoesNotExist", "")
			return
		}
		key := cmd + "/" + inst
		f.polls[key]++
		n := f.polls[key]
		switch {
		case n <= h.notYet:
			f.fail(w, 400, "InvocationDoesNotExist", "")
			return
		case h.pending:
			out = map[string]any{"CommandId": cmd, "InstanceId": inst, "Status": "Pending", "StatusDetails": "Pending"}
		case h.never || n <= h.notYet+h.inProgress:
			out = map[string]any{"CommandId": cmd, "InstanceId": inst, "Status": "InProgress", "StatusDetails": "InProgress"}
		default:
			out = map[string]any{"CommandId": cmd, "InstanceId": inst, "Status": h.status, "StatusDetails": h.detail,
				"StandardOutputContent": h.stdout, "StandardErrorContent": h.stderr, "ResponseCode": 0}
		}
	default:
		f.fail(w, 400, "UnknownOperationException", op)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeSSM) describe(in map[string]any) any {
	var list []map[string]any
	filters, _ := in["Filters"].([]any)
	for id, h := range f.hosts {
		match := true
		for _, fl := range filters {
			m := fl.(map[string]any)
			key := m["Key"].(string)
			var values []string
			for _, v := range m["Values"].([]any) {
				values = append(values, v.(string))
			}
			switch {
			case key == "InstanceIds":
				match = match && contains(values, id)
			case strings.HasPrefix(key, "tag:"):
				match = match && contains(values, h.tags[strings.TrimPrefix(key, "tag:")])
			default:
				f.t.Errorf("fake SSM: unexpected filter %q", key)
			}
		}
		if match {
			list = append(list, map[string]any{"InstanceId": id, "PingStatus": h.ping, "PlatformType": "Linux", "ResourceType": "EC2Instance"})
		}
	}
	return map[string]any{"InstanceInformationList": list}
}

func contains(values []string, s string) bool {
	for _, v := range values {
		if v == s {
			return true
		}
	}
	return false
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("cmd-%s", hex.EncodeToString(b))
}
