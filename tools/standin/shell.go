package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A small POSIX-shell subset for `sh -c` health checks and entrypoints: simple commands with quoting, parameter
// expansion ($V, ${V}, ${V:-d}, ${V-d}, ${V:?m}, $?, $0-$9, $@, $#), `;`, `&&`, `||`, newlines, comments,
// prefix assignments, redirections (>, >>, <, 2>, 2>&1, >&2, and bash's /dev/tcp/HOST/PORT), and the builtins
// exit, true, false, :, echo, cat, sleep, exec, cd, export, test/[ (-n -z -f -d -e = !=). Pipes, subshells,
// command substitution and control flow are refused with exit 2, so an unsupported check fails loudly.

type shell struct {
	name   string
	bash   bool
	args   []string // $0, $1, ...
	status int
	vars   map[string]string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type shToken struct {
	kind string // "word", "op", "redir"
	text string
	// fields of a word after expansion: split marks unquoted expansion results that undergo field splitting.
	parts []shPart
}

type shPart struct {
	text  string
	split bool
}

var errShSyntax = errors.New("syntax")

func shMain(args []string) int   { return shellMain("sh", false, args) }
func bashMain(args []string) int { return shellMain("bash", true, args) }

func shellMain(name string, bash bool, args []string) int {
	sh := &shell{name: name, bash: bash, vars: map[string]string{}, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	var script string
	switch {
	case len(args) >= 2 && (args[0] == "-c" || args[0] == "-ec" || args[0] == "-ce"):
		script = args[1]
		sh.args = append([]string{name}, args[2:]...)
		if len(args) >= 3 {
			sh.args = args[2:]
		}
	case len(args) >= 1 && !strings.HasPrefix(args[0], "-"):
		b, err := os.ReadFile(args[0])
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: 0: cannot open %s: No such file\n", name, args[0])
			return 127
		}
		script = string(b)
		sh.args = args
	case len(args) == 0:
		b, _ := io.ReadAll(os.Stdin)
		script = string(b)
		sh.args = []string{name}
	default:
		fmt.Fprintf(os.Stderr, "%s (stand-in): unsupported options %q\n", name, args)
		return 2
	}
	return sh.run(script)
}

func (sh *shell) lookup(name string) (string, bool) {
	switch name {
	case "?":
		return strconv.Itoa(sh.status), true
	case "$":
		return strconv.Itoa(os.Getpid()), true
	case "#":
		return strconv.Itoa(len(sh.args) - 1), true
	case "@", "*":
		if len(sh.args) <= 1 {
			return "", true
		}
		return strings.Join(sh.args[1:], " "), true
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n < len(sh.args) {
			return sh.args[n], true
		}
		return "", false
	}
	if v, ok := sh.vars[name]; ok {
		return v, true
	}
	return os.LookupEnv(name)
}

func isNameChar(c byte, first bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9')
}

// expandParam reads a parameter expansion at s[i] == '$' and returns its value and the index after it.
func (sh *shell) expandParam(s string, i int) (string, int, error) {
	if i+1 >= len(s) {
		return "$", i + 1, nil
	}
	c := s[i+1]
	switch {
	case c == '{':
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", 0, fmt.Errorf("bad substitution")
		}
		expr := s[i+2 : i+end]
		next := i + end + 1
		j := 0
		for j < len(expr) && (isNameChar(expr[j], j == 0) || (j == 0 && strings.ContainsRune("?$#@*0123456789", rune(expr[j])))) {
			j++
			if j == 1 && !isNameChar(expr[0], true) {
				break
			}
		}
		name, op := expr[:j], expr[j:]
		if name == "" {
			return "", 0, fmt.Errorf("${%s}: bad substitution", expr)
		}
		v, set := sh.lookup(name)
		switch {
		case op == "":
			return v, next, nil
		case strings.HasPrefix(op, ":-"):
			if v == "" {
				return op[2:], next, nil
			}
			return v, next, nil
		case strings.HasPrefix(op, "-"):
			if !set {
				return op[1:], next, nil
			}
			return v, next, nil
		case strings.HasPrefix(op, ":?") || strings.HasPrefix(op, "?"):
			if v == "" && (op[0] == ':' || !set) {
				msg := strings.TrimPrefix(strings.TrimPrefix(op, ":"), "?")
				if msg == "" {
					msg = "parameter null or not set"
				}
				return "", 0, fmt.Errorf("%s: %s", name, msg)
			}
			return v, next, nil
		case strings.HasPrefix(op, ":+"):
			if v != "" {
				return op[2:], next, nil
			}
			return "", next, nil
		}
		return "", 0, fmt.Errorf("${%s}: bad substitution", expr)
	case c == '(':
		return "", 0, fmt.Errorf("command substitution is not supported by the stand-in shell")
	case strings.ContainsRune("?$#@*0123456789", rune(c)):
		v, _ := sh.lookup(string(c))
		return v, i + 2, nil
	case isNameChar(c, true):
		j := i + 1
		for j < len(s) && isNameChar(s[j], false) {
			j++
		}
		v, _ := sh.lookup(s[i+1 : j])
		return v, j, nil
	}
	return "$", i + 1, nil
}

// tokenize splits a script into words (expanded), operators and redirections.
func (sh *shell) tokenize(s string) ([]shToken, error) {
	var toks []shToken
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			i += 2
			continue
		case c == '\n' || c == ';':
			toks = append(toks, shToken{kind: "op", text: ";"})
			i++
			continue
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		case strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||"):
			toks = append(toks, shToken{kind: "op", text: s[i : i+2]})
			i += 2
			continue
		case c == '|' || c == '&' || c == '(' || c == ')' || c == '`':
			if strings.HasPrefix(s[i:], "&>") {
				toks = append(toks, shToken{kind: "redir", text: "&>"})
				i += 2
				continue
			}
			return nil, fmt.Errorf("%q is not supported by the stand-in shell", string(c))
		}
		// redirections, optionally with a leading fd digit
		if m := redirAt(s[i:]); m != "" {
			toks = append(toks, shToken{kind: "redir", text: m})
			i += len(m)
			continue
		}
		// a word
		var parts []shPart
		var cur strings.Builder
		flush := func() {
			if cur.Len() > 0 {
				parts = append(parts, shPart{text: cur.String()})
				cur.Reset()
			}
		}
		quoted := false
	word:
		for i < len(s) {
			c := s[i]
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '|' || c == '&' || c == '<' || c == '>' || c == '(' || c == ')':
				break word
			case c == '\\':
				if i+1 < len(s) {
					cur.WriteByte(s[i+1])
				}
				i += 2
			case c == '\'':
				end := strings.IndexByte(s[i+1:], '\'')
				if end < 0 {
					return nil, fmt.Errorf("Syntax error: Unterminated quoted string")
				}
				cur.WriteString(s[i+1 : i+1+end])
				quoted = true
				i += end + 2
			case c == '"':
				quoted = true
				i++
				for {
					if i >= len(s) {
						return nil, fmt.Errorf("Syntax error: Unterminated quoted string")
					}
					d := s[i]
					if d == '"' {
						i++
						break
					}
					if d == '\\' && i+1 < len(s) && strings.ContainsRune("$`\"\\\n", rune(s[i+1])) {
						cur.WriteByte(s[i+1])
						i += 2
						continue
					}
					if d == '$' {
						v, n, err := sh.expandParam(s, i)
						if err != nil {
							return nil, err
						}
						cur.WriteString(v)
						i = n
						continue
					}
					if d == '`' {
						return nil, fmt.Errorf("command substitution is not supported by the stand-in shell")
					}
					cur.WriteByte(d)
					i++
				}
			case c == '$':
				v, n, err := sh.expandParam(s, i)
				if err != nil {
					return nil, err
				}
				flush()
				parts = append(parts, shPart{text: v, split: true})
				i = n
			default:
				cur.WriteByte(c)
				i++
			}
		}
		flush()
		if len(parts) == 0 && quoted {
			parts = []shPart{{text: ""}}
		}
		toks = append(toks, shToken{kind: "word", parts: parts})
	}
	return toks, nil
}

func redirAt(s string) string {
	for _, r := range []string{"2>&1", "1>&2", ">&2", "2>>", "1>>", ">>", "2>", "1>", ">", "<"} {
		if strings.HasPrefix(s, r) {
			return r
		}
	}
	return ""
}

// fields expands a word's parts into fields (unquoted expansions split on whitespace).
func (t shToken) fields() []string {
	var out []string
	var cur strings.Builder
	has := false
	for _, p := range t.parts {
		if !p.split {
			cur.WriteString(p.text)
			has = true
			continue
		}
		f := strings.Fields(p.text)
		if len(f) == 0 {
			continue
		}
		if strings.HasPrefix(p.text, " ") || strings.HasPrefix(p.text, "\t") {
			if has {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		}
		for k, x := range f {
			if k > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			cur.WriteString(x)
			has = true
		}
	}
	if has {
		out = append(out, cur.String())
	}
	return out
}

func (t shToken) joined() string {
	var b strings.Builder
	for _, p := range t.parts {
		b.WriteString(p.text)
	}
	return b.String()
}

func (sh *shell) run(script string) int {
	// Command by command, so that $? and assignments of earlier commands are seen by later ones. `&&` and `||`
	// have equal precedence and associate to the left, as in POSIX sh.
	rest := script
	skip := false
	for {
		cmdText, op, tail := splitCommand(rest)
		if !skip && strings.TrimSpace(cmdText) != "" {
			code, exit := sh.runCommand(cmdText)
			sh.status = code
			if exit {
				return code
			}
		}
		switch op {
		case "&&":
			skip = sh.status != 0
		case "||":
			skip = sh.status == 0
		case ";":
			skip = false
		default:
			return sh.status
		}
		rest = tail
	}
}

// splitCommand returns the text of the first simple command, the operator after it and the remaining script.
func splitCommand(s string) (string, string, string) {
	i := 0
	for i < len(s) {
		c := s[i]
		switch c {
		case '\\':
			i += 2
			continue
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return s, "", ""
			}
			i += end + 2
			continue
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			i = j + 1
			continue
		case '#':
			if i == 0 || s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == '\n' || s[i-1] == ';' {
				for i < len(s) && s[i] != '\n' {
					i++
				}
				continue
			}
		case ';', '\n':
			return s[:i], ";", s[i+1:]
		case '&', '|':
			if strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||") {
				return s[:i], s[i : i+2], s[i+2:]
			}
		}
		i++
	}
	return s, "", ""
}

// runCommand runs one simple command; exit reports that the shell must stop (the exit builtin, exec, a syntax error).
func (sh *shell) runCommand(text string) (int, bool) {
	toks, err := sh.tokenize(text)
	if err != nil {
		fmt.Fprintf(sh.stderr, "%s: %v\n", sh.name, err)
		return 2, true
	}
	var argv []string
	var assigns []string
	stdout, stderr, stdin := sh.stdout, sh.stderr, sh.stdin
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		switch t.kind {
		case "op":
			continue
		case "redir":
			switch t.text {
			case "2>&1":
				stderr = stdout
				continue
			case ">&2", "1>&2":
				stdout = stderr
				continue
			}
			if k+1 >= len(toks) || toks[k+1].kind != "word" {
				fmt.Fprintf(sh.stderr, "%s: Syntax error: redirection unexpected\n", sh.name)
				return 2, true
			}
			target := toks[k+1].joined()
			k++
			if target == "/dev/null" && t.text != "<" {
				if strings.HasPrefix(t.text, "2") {
					stderr = io.Discard
				} else if t.text == "&>" {
					stdout, stderr = io.Discard, io.Discard
				} else {
					stdout = io.Discard
				}
				continue
			}
			if sh.bash && strings.HasPrefix(target, "/dev/tcp/") {
				hp := strings.SplitN(strings.TrimPrefix(target, "/dev/tcp/"), "/", 2)
				if len(hp) != 2 {
					fmt.Fprintf(sh.stderr, "%s: %s: No such file or directory\n", sh.name, target)
					return 1, false
				}
				conn, err := net.DialTimeout("tcp", net.JoinHostPort(hp[0], hp[1]), 30*time.Second)
				if err != nil {
					reason := "Connection refused"
					if !errors.Is(err, syscall.ECONNREFUSED) {
						reason = err.Error()
					}
					fmt.Fprintf(sh.stderr, "%s: connect: %s\n%s: %s: %s\n", sh.name, reason, sh.name, target, reason)
					return 1, false
				}
				closers = append(closers, conn)
				if t.text == "<" {
					stdin = conn
				} else {
					stdout = conn
				}
				continue
			}
			var f *os.File
			switch t.text {
			case "<":
				f, err = os.Open(target)
			case ">>", "2>>", "1>>":
				f, err = os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			default:
				f, err = os.Create(target)
			}
			if err != nil {
				fmt.Fprintf(sh.stderr, "%s: cannot open %s: %v\n", sh.name, target, unwrapPathErr(err))
				return 2, false
			}
			closers = append(closers, f)
			switch {
			case t.text == "<":
				stdin = f
			case strings.HasPrefix(t.text, "2"):
				stderr = f
			case t.text == "&>":
				stdout, stderr = f, f
			default:
				stdout = f
			}
		case "word":
			if len(argv) == 0 {
				w := t.joined()
				if eq := strings.IndexByte(w, '='); eq > 0 && isAssignName(w[:eq]) && len(t.parts) > 0 && !t.parts[0].split {
					assigns = append(assigns, w)
					continue
				}
			}
			argv = append(argv, t.fields()...)
		}
	}
	if len(argv) == 0 {
		for _, a := range assigns {
			k, v, _ := strings.Cut(a, "=")
			sh.vars[k] = v
		}
		return 0, false
	}
	return sh.builtinOrExec(argv, assigns, stdin, stdout, stderr)
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func isAssignName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i], i == 0) {
			return false
		}
	}
	return s != ""
}

func (sh *shell) builtinOrExec(argv, assigns []string, stdin io.Reader, stdout, stderr io.Writer) (int, bool) {
	switch argv[0] {
	case "exit":
		code := sh.status
		if len(argv) > 1 {
			code, _ = strconv.Atoi(argv[1])
		}
		return code & 0xff, true
	case "true", ":":
		return 0, false
	case "false":
		return 1, false
	case "echo":
		args := argv[1:]
		nl := true
		if len(args) > 0 && args[0] == "-n" {
			nl, args = false, args[1:]
		}
		fmt.Fprint(stdout, strings.Join(args, " "))
		if nl {
			fmt.Fprintln(stdout)
		}
		return 0, false
	case "cat":
		if len(argv) == 1 {
			io.Copy(stdout, stdin)
			return 0, false
		}
		code := 0
		for _, p := range argv[1:] {
			b, err := os.ReadFile(p)
			if err != nil {
				fmt.Fprintf(stderr, "cat: %s: %v\n", p, unwrapPathErr(err))
				code = 1
				continue
			}
			stdout.Write(b)
		}
		return code, false
	case "sleep":
		if len(argv) > 1 {
			f, _ := strconv.ParseFloat(argv[1], 64)
			time.Sleep(time.Duration(f * float64(time.Second)))
		}
		return 0, false
	case "cd":
		dir := os.Getenv("HOME")
		if len(argv) > 1 {
			dir = argv[1]
		}
		if err := os.Chdir(dir); err != nil {
			fmt.Fprintf(stderr, "%s: cd: can't cd to %s\n", sh.name, dir)
			return 2, false
		}
		return 0, false
	case "export":
		for _, a := range argv[1:] {
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				v = sh.vars[k]
			}
			os.Setenv(k, v)
		}
		return 0, false
	case "test", "[":
		args := argv[1:]
		if argv[0] == "[" {
			if len(args) == 0 || args[len(args)-1] != "]" {
				fmt.Fprintf(stderr, "%s: [: missing ]\n", sh.name)
				return 2, false
			}
			args = args[:len(args)-1]
		}
		return testExpr(args), false
	case "exec":
		if len(argv) == 1 {
			return 0, false
		}
		path, err := lookPath(argv[1])
		if err != nil {
			fmt.Fprintf(stderr, "%s: exec: %s: not found\n", sh.name, argv[1])
			return 127, true
		}
		env := append(os.Environ(), assigns...)
		if stdout == os.Stdout && stderr == os.Stderr && stdin == os.Stdin {
			err = syscall.Exec(path, argv[1:], env)
		}
		code := runExternal(path, argv[1:], env, stdin, stdout, stderr)
		return code, true
	}
	path, err := lookPath(argv[0])
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s: not found\n", sh.name, argv[0])
		return 127, false
	}
	return runExternal(path, argv, append(os.Environ(), assigns...), stdin, stdout, stderr), false
}

func testExpr(a []string) int {
	b := func(ok bool) int {
		if ok {
			return 0
		}
		return 1
	}
	switch len(a) {
	case 0:
		return 1
	case 1:
		return b(a[0] != "")
	case 2:
		switch a[0] {
		case "-n":
			return b(a[1] != "")
		case "-z":
			return b(a[1] == "")
		case "-e":
			return b(fileExists(a[1]))
		case "-f":
			st, err := os.Stat(a[1])
			return b(err == nil && st.Mode().IsRegular())
		case "-d":
			st, err := os.Stat(a[1])
			return b(err == nil && st.IsDir())
		case "!":
			return 1 - testExpr(a[1:])
		}
	case 3:
		switch a[1] {
		case "=", "==":
			return b(a[0] == a[2])
		case "!=":
			return b(a[0] != a[2])
		}
	}
	return 2
}

// lookPath resolves a command like execvp: a name with a slash as given, otherwise along PATH.
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		if st, err := os.Stat(name); err == nil && !st.IsDir() {
			return name, nil
		}
		return "", os.ErrNotExist
	}
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

func runExternal(path string, argv, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	err := cmd.Run()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	fmt.Fprintf(stderr, "%s: %v\n", argv[0], err)
	return 126
}

// execCommand replaces the process with argv (an entrypoint's `exec "$@"`), or reports 127 like a shell.
func execCommand(argv []string) int {
	path, err := lookPath(argv[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "exec: %s: not found\n", argv[0])
		return 127
	}
	err = syscall.Exec(path, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "exec %s: %v\n", argv[0], err)
	return 126
}
