package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ImageConfig is /etc/standin/image.json, written by test/support/standin-images.ts into each image.
type ImageConfig struct {
	Image   string `json:"image"`
	Profile string `json:"profile"`
	// OfflineHosts: hosts on the Internet the real image's checks call (no Internet here); the stand-in's
	// clients answer them in process, see offline.go.
	OfflineHosts map[string]string `json:"offlineHosts,omitempty"`
}

var (
	imageConfigOnce sync.Once
	imageConfig     ImageConfig
)

func loadImageConfig() ImageConfig {
	imageConfigOnce.Do(func() {
		path := os.Getenv("STANDIN_IMAGE_CONFIG")
		if path == "" {
			path = "/etc/standin/image.json"
		}
		if b, err := os.ReadFile(path); err == nil {
			_ = json.Unmarshal(b, &imageConfig)
		}
	})
	return imageConfig
}

// listenSpec is one port a role serves. Postgres ports also speak just enough of the wire protocol for
// pg_isready and a password check (postgres.go); every port answers HTTP GET /_standin.
type listenSpec struct {
	Role     string
	Host     string
	Port     int
	Handler  http.Handler
	Postgres bool
}

func withStandin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_standin" {
			w.Header().Set("Content-Type", "application/json")
			w.Write(mustJSON(collectReport(r)))
			return
		}
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// startListeners binds every spec (failing like a real server when a port is taken) and serves in the background.
func startListeners(specs []listenSpec) error {
	for _, s := range specs {
		addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s: listen %s: %w", s.Role, addr, err)
		}
		noteListener(Listener{Role: s.Role, Addr: addr, Port: s.Port})
		srv := &http.Server{Handler: withStandin(s.Handler), ReadHeaderTimeout: 10 * time.Second}
		if s.Postgres {
			go servePostgresOrHTTP(ln, srv)
		} else {
			go srv.Serve(ln)
		}
	}
	return nil
}

// waitForSignal blocks until SIGTERM or SIGINT (as PID 1, a process without a handler would ignore them).
func waitForSignal(role string) int {
	state.Lock()
	saveState()
	state.Unlock()
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	sig := <-ch
	fmt.Fprintf(os.Stderr, "%s (stand-in): %s received, shutting down\n", role, sig)
	return 0
}

// serveRoles is the body of every server applet.
func serveRoles(role string, specs []listenSpec) int {
	if err := startListeners(specs); err != nil {
		fmt.Fprintf(os.Stderr, "%s (stand-in): %v\n", role, err)
		return 1
	}
	for _, s := range specs {
		fmt.Fprintf(os.Stderr, "%s (stand-in): %s listening on %s:%d\n", role, s.Role, s.Host, s.Port)
	}
	return waitForSignal(role)
}

// chanListener hands connections sniffed as HTTP to an http.Server.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
}

func (l *chanListener) Accept() (net.Conn, error) {
	c, ok := <-l.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}
func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func servePostgresOrHTTP(ln net.Listener, srv *http.Server) {
	httpLn := &chanListener{addr: ln.Addr(), conns: make(chan net.Conn)}
	go srv.Serve(httpLn)
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			r := bufio.NewReader(c)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			first, err := r.Peek(1)
			c.SetReadDeadline(time.Time{})
			if err != nil {
				c.Close()
				return
			}
			pc := &peekedConn{Conn: c, r: r}
			if first[0] >= 'A' && first[0] <= 'Z' {
				httpLn.conns <- pc
				return
			}
			servePostgresConn(pc, r)
		}(c)
	}
}

func httpText(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func httpJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}
