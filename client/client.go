// Package client is a typed Go client of the HTTP API that the httpapi
// package serves. A *Client has the Service's calls with the root
// package's types and answers as the Service does, errors included, so a
// host that holds an alertanalytics.API switches from embedded to remote in
// one line:
//
//	var api alertanalytics.API = alertanalytics.New(st, alertanalytics.Config{})
//	api, err := client.New("https://analytics.internal/alerts-svc", client.Config{Token: token})
//
// It needs the standard library and uuid only.
//
// Errors come back as the embedded calls return them: a 422 as a
// *alertanalytics.FieldError naming the field (errors.Is(err,
// alertanalytics.ErrInvalidArgument)), a 404 as alertanalytics.ErrNotFound,
// a 503 as alertanalytics.ErrOverloaded; credentials refused are
// ErrUnauthenticated (401) and ErrForbidden (403). Each is wrapped in an
// *Error that keeps the status, the server's detail and its request id.
//
// Retries are bounded (Config.MaxRetries), honour Retry-After and end with
// the caller's context. A 503 is retried for every call: the server
// answers it having written nothing. A request whose answer never arrived
// is retried only where a repeat cannot write twice: reads, alerts (the
// client fixes each alert's id before the first try, as a new UUIDv7 where
// the input has none, so a repeat finds the alert stored) and interactions
// that all carry an idempotency key. The client does not invent
// idempotency keys, since the key is part of what is stored and returned.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultMaxRetries   = 3
	DefaultMaxRetryWait = 5 * time.Second
	// firstBackoff is the wait before the first retry when the server gave
	// no Retry-After; it doubles with each retry.
	firstBackoff = 100 * time.Millisecond
)

// Config configures a Client. Give a Token (Bearer) or a Username and
// Password (HTTP Basic), not both; with neither the requests carry no
// credentials (for a server behind a gateway that adds them).
type Config struct {
	// HTTPClient sends the requests. Defaults to http.DefaultClient; set
	// its Timeout, or give each call a context with a deadline.
	HTTPClient *http.Client
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// Username and Password are sent as HTTP Basic credentials when
	// Username is set.
	Username, Password string
	// MaxRetries is how many times one call is tried again (see the
	// package doc); 0 means DefaultMaxRetries, a negative number none.
	MaxRetries int
	// MaxRetryWait caps one wait between tries, whatever Retry-After
	// asks; 0 means DefaultMaxRetryWait.
	MaxRetryWait time.Duration
}

// Client calls the HTTP API of an alertanalytics server. It is safe for
// concurrent use.
type Client struct {
	base       *url.URL
	hc         *http.Client
	auth       string
	maxRetries int
	maxWait    time.Duration
}

// New returns a client of the API mounted at baseURL, such as
// "https://analytics.internal/alerts-svc" (the prefix the server mounts
// httpapi under, without the /api/v1 that every path starts with).
func New(baseURL string, cfg Config) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q must be an absolute http or https URL", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: base URL %q must have no query or fragment", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, hc: cfg.HTTPClient, maxRetries: cfg.MaxRetries, maxWait: cfg.MaxRetryWait}
	if c.hc == nil {
		c.hc = http.DefaultClient
	}
	switch {
	case cfg.Token != "" && cfg.Username != "":
		return nil, errors.New("client: give a Token or a Username and Password, not both")
	case cfg.Token != "":
		c.auth = "Bearer " + cfg.Token
	case cfg.Username != "":
		req := &http.Request{Header: http.Header{}}
		req.SetBasicAuth(cfg.Username, cfg.Password)
		c.auth = req.Header.Get("Authorization")
	}
	if c.maxRetries == 0 {
		c.maxRetries = DefaultMaxRetries
	} else if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxRetryWait
	}
	return c, nil
}

// convert turns the wire form of a list into the Service's answer: nil
// when the list is empty, as the Service answers one.
func convert[W, R any](in []W, conv func(W) R) []R {
	var out []R
	for _, w := range in {
		out = append(out, conv(w))
	}
	return out
}

// request is one call of the API.
type request struct {
	method string
	// path is relative to the base URL; its variable parts are escaped.
	path  string
	query url.Values
	// body, when not nil, is sent as JSON.
	body any
	// repeatable says whether a try whose answer never arrived may be
	// repeated: the call cannot write twice.
	repeatable bool
	// accept is the media type asked for; JSON when empty.
	accept string
}

// do sends r, retrying as the package doc says, and returns the successful
// response, whose body the caller reads and closes.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("client: encoding the request: %w", err)
		}
	}
	target := *c.base
	target.Path += r.path
	target.RawQuery = r.query.Encode()
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, r.method, target.String(), bytes.NewReader(payload))
		if err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
		req.Header.Set("Accept", "application/json")
		if r.accept != "" {
			req.Header.Set("Accept", r.accept)
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil || !r.repeatable || attempt >= c.maxRetries {
				return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, err)
			}
			if err := c.wait(ctx, c.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode < 300 {
			return resp, nil
		}
		apiErr := readError(resp)
		if resp.StatusCode != http.StatusServiceUnavailable || attempt >= c.maxRetries {
			return nil, apiErr
		}
		pause, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			pause = c.backoff(attempt)
		}
		if err := c.wait(ctx, min(pause, c.maxWait)); err != nil {
			return nil, errors.Join(apiErr, err)
		}
	}
}

// backoff is the wait before retry attempt+1 without a Retry-After: the
// first backoff doubled per attempt, capped, with up to half of it again
// at random so that clients refused together do not return together.
func (c *Client) backoff(attempt int) time.Duration {
	d := min(firstBackoff<<min(attempt, 16), c.maxWait)
	return min(d+rand.N(d/2+1), c.maxWait)
}

// wait sleeps d or until ctx ends.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("client: waiting to retry: %w", ctx.Err())
	}
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// getJSON sends r and decodes the JSON answer into dst.
func (c *Client) getJSON(ctx context.Context, r request, dst any) (int, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(dst); err != nil {
		return resp.StatusCode, fmt.Errorf("client: %s %s: decoding the answer: %w", r.method, r.path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
