package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

const (
	pgProtocol3        = 196608
	pgSSLRequest       = 80877103
	pgGSSENCReq        = 80877104
	pgCancelReq        = 80877102
	pgSocketDirDefault = "/var/run/postgresql"
	pgEntrypoints      = "docker-entrypoint.sh"
)

// postgresEntrypointMain is the image's ENTRYPOINT: `docker-entrypoint.sh postgres [args]` runs the server; any other
// command is executed as given (as the official entrypoint does).
func postgresEntrypointMain(args []string) int {
	if len(args) == 0 || args[0] == "postgres" || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && args[0] == "postgres" {
			args = args[1:]
		}
		return postgresMain(args)
	}
	return execCommand(args)
}

// postgresMain: the official image refuses to initialise without a superuser password, listens on PGPORT (or
// -p), user POSTGRES_USER (default postgres), database POSTGRES_DB (default the user).
func postgresMain(args []string) int {
	if os.Getenv("POSTGRES_PASSWORD") == "" && os.Getenv("POSTGRES_HOST_AUTH_METHOD") != "trust" {
		fmt.Fprintln(os.Stderr, "Error: Database is uninitialized and superuser password is not specified.\n       You must specify POSTGRES_PASSWORD to a non-empty value for the\n       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".")
		return 1
	}
	port := envOr("PGPORT", "5432")
	for i := 0; i < len(args); i++ {
		if args[i] == "-p" && i+1 < len(args) {
			port = args[i+1]
			i++
		} else if strings.HasPrefix(args[i], "-p") && len(args[i]) > 2 {
			port = args[i][2:]
		}
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		fmt.Fprintf(os.Stderr, "postgres: invalid value for parameter \"port\": %q\n", port)
		return 1
	}
	if err := os.MkdirAll(pgSocketDir(), 0o775); err == nil {
		sock := fmt.Sprintf("%s/.s.PGSQL.%d", pgSocketDir(), p)
		os.Remove(sock)
		if ln, err := net.Listen("unix", sock); err == nil {
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go servePostgresConn(c, bufio.NewReader(c))
				}
			}()
		}
	}
	return serveRoles("postgres", []listenSpec{{Role: "postgres", Host: "0.0.0.0", Port: p, Postgres: true, Handler: http.NotFoundHandler()}})
}

// pgSocketDir is where the server puts, and pg_isready looks for, the unix socket (STANDIN_PG_SOCKET_DIR: tests).
func pgSocketDir() string { return envOr("STANDIN_PG_SOCKET_DIR", pgSocketDirDefault) }

func pgUser() string { return envOr("POSTGRES_USER", "postgres") }
func pgDB() string   { return envOr("POSTGRES_DB", pgUser()) }

func writeMsg(w io.Writer, typ byte, body []byte) error {
	buf := make([]byte, 5+len(body))
	buf[0] = typ
	binary.BigEndian.PutUint32(buf[1:], uint32(4+len(body)))
	copy(buf[5:], body)
	_, err := w.Write(buf)
	return err
}

func pgError(w io.Writer, code, msg string) {
	body := "SFATAL\x00VFATAL\x00C" + code + "\x00M" + msg + "\x00\x00"
	writeMsg(w, 'E', []byte(body))
}

func readInt32(r io.Reader) (int, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint32(b[:])), nil
}

// servePostgresConn answers SSL/GSS requests with 'N', a startup with a cleartext password request, and then checks
// the password, user and database against the container's POSTGRES_* environment. Queries are refused.
func servePostgresConn(c net.Conn, r *bufio.Reader) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	var params map[string]string
	for {
		n, err := readInt32(r)
		if err != nil || n < 8 || n > 10000 {
			return
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		code := int(binary.BigEndian.Uint32(body[:4]))
		switch code {
		case pgSSLRequest, pgGSSENCReq:
			c.Write([]byte{'N'})
			continue
		case pgCancelReq:
			return
		case pgProtocol3:
			params = map[string]string{}
			kv := strings.Split(string(body[4:]), "\x00")
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == "" {
					break
				}
				params[kv[i]] = kv[i+1]
			}
		default:
			pgError(c, "0A000", fmt.Sprintf("unsupported frontend protocol %d.%d", code>>16, code&0xffff))
			return
		}
		break
	}
	user := params["user"]
	db := params["database"]
	if db == "" {
		db = user
	}
	if user == "" {
		pgError(c, "28000", "no PostgreSQL user name specified in startup packet")
		return
	}
	writeMsg(c, 'R', []byte{0, 0, 0, 3})
	typ, err := r.ReadByte()
	if err != nil || typ != 'p' {
		return
	}
	n, err := readInt32(r)
	if err != nil || n < 4 || n > 10000 {
		return
	}
	pw := make([]byte, n-4)
	if _, err := io.ReadFull(r, pw); err != nil {
		return
	}
	password := strings.TrimSuffix(string(pw), "\x00")
	if user != pgUser() || password != os.Getenv("POSTGRES_PASSWORD") {
		pgError(c, "28P01", fmt.Sprintf("password authentication failed for user %q", user))
		return
	}
	if db != pgDB() && db != "postgres" && db != "template1" {
		pgError(c, "3D000", fmt.Sprintf("database %q does not exist", db))
		return
	}
	writeMsg(c, 'R', []byte{0, 0, 0, 0})
	writeMsg(c, 'Z', []byte{'I'})
	for {
		typ, err := r.ReadByte()
		if err != nil || typ == 'X' {
			return
		}
		n, err := readInt32(r)
		if err != nil || n < 4 {
			return
		}
		if _, err := io.CopyN(io.Discard, r, int64(n-4)); err != nil {
			return
		}
		pgError(c, "0A000", "the stand-in postgres accepts connections but runs no queries")
		writeMsg(c, 'Z', []byte{'I'})
	}
}

func startupPacket(user, db string) []byte {
	body := []byte{0, 3, 0, 0}
	body = append(body, "user\x00"+user+"\x00"...)
	if db != "" {
		body = append(body, "database\x00"+db+"\x00"...)
	}
	body = append(body, 0)
	out := make([]byte, 4, 4+len(body))
	binary.BigEndian.PutUint32(out, uint32(4+len(body)))
	return append(out, body...)
}

func dialPostgres(host, port string, timeout time.Duration) (net.Conn, string, error) {
	if host == "" || strings.HasPrefix(host, "/") {
		dir := host
		if dir == "" {
			dir = pgSocketDir()
		}
		c, err := net.DialTimeout("unix", fmt.Sprintf("%s/.s.PGSQL.%s", dir, port), timeout)
		return c, dir + ":" + port, err
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), timeout)
	return c, host + ":" + port, err
}

// pgServerError is the server's refusal (ErrorResponse), as opposed to a connection failure.
type pgServerError struct{ msg string }

func (e *pgServerError) Error() string { return e.msg }

// pgLogin connects as a client would (DATABASE_URL), returning the server's error message on refusal.
func pgLogin(host, port, user, password, db string, timeout time.Duration) error {
	c, _, err := dialPostgres(host, port, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write(startupPacket(user, db)); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	for {
		typ, err := r.ReadByte()
		if err != nil {
			return err
		}
		n, err := readInt32(r)
		if err != nil {
			return err
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return err
		}
		switch typ {
		case 'R':
			if binary.BigEndian.Uint32(body[:4]) == 3 {
				writeMsg(c, 'p', []byte(password+"\x00"))
			}
		case 'Z':
			writeMsg(c, 'X', nil)
			return nil
		case 'E':
			for _, f := range strings.Split(string(body), "\x00") {
				if strings.HasPrefix(f, "M") {
					return &pgServerError{f[1:]}
				}
			}
			return &pgServerError{"error response"}
		}
	}
}

// pgIsReadyMain mirrors pg_isready: 0 accepting, 1 rejecting, 2 no response, 3 no attempt (bad arguments).
func pgIsReadyMain(args []string) int {
	host, port := os.Getenv("PGHOST"), envOr("PGPORT", "5432")
	user, db := envOr("PGUSER", "postgres"), os.Getenv("PGDATABASE")
	timeout, quiet := 3, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		takes := func() (string, bool) {
			if hasVal && strings.HasPrefix(a, "--") {
				return val, true
			}
			if len(a) > 2 && a[0] == '-' && a[1] != '-' {
				return a[2:], true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		short := ""
		if len(a) >= 2 && a[0] == '-' && a[1] != '-' {
			short = a[:2]
		}
		var ok bool
		switch {
		case short == "-h" || name == "--host":
			host, ok = takes()
		case short == "-p" || name == "--port":
			port, ok = takes()
		case short == "-U" || name == "--username":
			user, ok = takes()
		case short == "-d" || name == "--dbname":
			db, ok = takes()
		case short == "-t" || name == "--timeout":
			var t string
			t, ok = takes()
			timeout, _ = strconv.Atoi(t)
		case a == "-q" || a == "--quiet":
			quiet, ok = true, true
		case a == "-V" || a == "--version":
			fmt.Println("pg_isready (PostgreSQL) 16.4 (stand-in)")
			return 0
		default:
			fmt.Fprintf(os.Stderr, "pg_isready: invalid option -- '%s'\nTry \"pg_isready --help\" for more information.\n", strings.TrimLeft(a, "-"))
			return 3
		}
		if !ok {
			fmt.Fprintf(os.Stderr, "pg_isready: option requires an argument -- '%s'\nTry \"pg_isready --help\" for more information.\n", strings.TrimLeft(a, "-"))
			return 3
		}
	}
	if _, err := strconv.Atoi(port); err != nil {
		fmt.Fprintf(os.Stderr, "pg_isready: invalid port number: \"%s\"\n", port)
		if !quiet {
			fmt.Printf("%s:%s - no attempt\n", host, port)
		}
		return 3
	}
	d := time.Duration(timeout) * time.Second
	if timeout <= 0 {
		d = time.Hour
	}
	say := func(where, what string, code int) int {
		if !quiet {
			fmt.Printf("%s - %s\n", where, what)
		}
		return code
	}
	c, where, err := dialPostgres(host, port, d)
	if err != nil {
		return say(where, "no response", 2)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(d))
	if _, err := c.Write(startupPacket(user, db)); err != nil {
		return say(where, "no response", 2)
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return say(where, "no response", 2)
	}
	if b[0] == 'R' || b[0] == 'E' {
		// Like libpq's PQping: an authentication request or error means the server accepts connections.
		return say(where, "accepting connections", 0)
	}
	return say(where, "rejecting connections", 1)
}
