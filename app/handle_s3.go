package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

const (
	defaultS3Limit = 100
	maxS3Limit     = 1000
	maxPrefixBytes = 1024 // S3's own limit on key length
)

type s3Object struct {
	Key          string    `json:"key"`
	Size         int64     `json:"size"`
	LastModified time.Time `json:"last_modified"`
}

type s3ListResponse struct {
	Bucket    string     `json:"bucket"`
	Prefix    string     `json:"prefix,omitempty"`
	Objects   []s3Object `json:"objects"`
	Truncated bool       `json:"truncated"`
}

// handleS3List lists the bucket's objects: ?prefix= and ?limit= (1–1000).
func handleS3List(objects objectLister, bucket string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "the query string is not valid URL encoding")
			return
		}
		limit := defaultS3Limit
		if q.Has("limit") {
			n, err := strconv.Atoi(q.Get("limit"))
			if err != nil || n < 1 || n > maxS3Limit {
				writeError(w, r, http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d", maxS3Limit))
				return
			}
			limit = n
		}
		prefix := q.Get("prefix")
		if len(prefix) > maxPrefixBytes {
			writeError(w, r, http.StatusBadRequest, fmt.Sprintf("prefix is longer than %d bytes", maxPrefixBytes))
			return
		}
		if objects == nil {
			writeError(w, r, http.StatusServiceUnavailable, "S3 is not configured (set S3_BUCKET and AWS_REGION)")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(int32(limit))}
		if prefix != "" {
			in.Prefix = aws.String(prefix)
		}
		out, err := objects.ListObjectsV2(ctx, in)
		if err != nil {
			loggerFrom(r.Context()).Warn("listing the bucket failed", "bucket", bucket, "error", err.Error())
			// Only the error code goes to the client: messages can carry
			// account details.
			var apiErr smithy.APIError
			if errors.As(err, &apiErr) {
				writeError(w, r, http.StatusBadGateway, fmt.Sprintf("listing bucket %s failed: %s", bucket, apiErr.ErrorCode()))
				return
			}
			writeError(w, r, http.StatusServiceUnavailable, fmt.Sprintf("listing bucket %s failed: S3 did not answer", bucket))
			return
		}
		resp := s3ListResponse{Bucket: bucket, Prefix: prefix, Objects: make([]s3Object, 0, len(out.Contents)), Truncated: aws.ToBool(out.IsTruncated)}
		for _, o := range out.Contents {
			resp.Objects = append(resp.Objects, s3Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), LastModified: aws.ToTime(o.LastModified).UTC()})
		}
		writeJSON(w, r, http.StatusOK, resp)
	})
}
