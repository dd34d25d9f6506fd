package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// fetchError classifies a failed request the way curl's exit codes do.
type fetchError struct {
	Code int // curl exit code: 3 bad URL, 1 unsupported protocol, 6 resolve, 7 connect, 28 timeout, 35 TLS, 60 certificate, 52 empty reply, 56 receive
	Msg  string
}

func (e *fetchError) Error() string { return e.Msg }

type fetchRequest struct {
	Method   string
	URL      string
	Headers  http.Header
	Body     string
	Timeout  time.Duration
	Connect  time.Duration
	Insecure bool
	Follow   bool
	User     string
}

type fetchResponse struct {
	Status     int
	StatusText string
	Proto      string
	Header     http.Header
	Body       []byte
}

func doFetch(fr fetchRequest) (*fetchResponse, error) {
	u, err := url.Parse(fr.URL)
	if err != nil || u.Host == "" {
		if err == nil && u.Scheme == "" && !strings.Contains(fr.URL, "://") {
			u, err = url.Parse("http://" + fr.URL)
		}
		if err != nil || u.Host == "" {
			return nil, &fetchError{3, "URL using bad/illegal format or missing URL"}
		}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &fetchError{1, fmt.Sprintf("Protocol \"%s\" not supported", u.Scheme)}
	}
	if resp, handled := offlineAnswer(u); handled {
		return resp, nil
	}
	connect := fr.Connect
	if connect == 0 {
		connect = 300 * time.Second
	}
	dialer := &net.Dialer{Timeout: connect}
	tr := &http.Transport{
		DialContext:        dialer.DialContext,
		TLSClientConfig:    &tls.Config{InsecureSkipVerify: fr.Insecure},
		Proxy:              nil,
		DisableCompression: true,
	}
	client := &http.Client{Transport: tr}
	if !fr.Follow {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	ctx := context.Background()
	if fr.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fr.Timeout)
		defer cancel()
	}
	method := fr.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if fr.Body != "" {
		body = strings.NewReader(fr.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, &fetchError{3, err.Error()}
	}
	req.Header.Set("User-Agent", "curl/8.5.0")
	for k, vs := range fr.Headers {
		for _, v := range vs {
			if strings.EqualFold(k, "Host") {
				req.Host = v
			} else {
				req.Header.Add(k, v)
			}
		}
	}
	if fr.User != "" {
		user, pass, _ := strings.Cut(fr.User, ":")
		req.SetBasicAuth(user, pass)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, classify(u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, classify(u, err)
	}
	return &fetchResponse{Status: resp.StatusCode, StatusText: http.StatusText(resp.StatusCode), Proto: resp.Proto, Header: resp.Header, Body: data}, nil
}

func classify(u *url.URL, err error) *fetchError {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return &fetchError{28, "Operation timed out"}
	case errors.As(err, &dnsErr):
		return &fetchError{6, fmt.Sprintf("Could not resolve host: %s", host)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &fetchError{7, fmt.Sprintf("Failed to connect to %s port %s: Connection refused", host, port)}
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return &fetchError{7, fmt.Sprintf("Failed to connect to %s port %s: No route to host", host, port)}
	case errors.As(err, &certErr):
		return &fetchError{60, "SSL certificate problem: " + certErr.Error()}
	case strings.Contains(err.Error(), "tls:"):
		return &fetchError{35, err.Error()}
	case errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF"):
		return &fetchError{52, "Empty reply from server"}
	}
	return &fetchError{56, err.Error()}
}
