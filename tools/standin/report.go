package main

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Report is the body of GET /_standin and of `standin report`.
type Report struct {
	Image     string            `json:"image"`
	Profile   string            `json:"profile"`
	Argv      []string          `json:"argv"`
	Pid       int               `json:"pid"`
	Uid       int               `json:"uid"`
	Cwd       string            `json:"cwd"`
	Hostname  string            `json:"hostname"`
	StartedAt string            `json:"startedAt"`
	Env       map[string]string `json:"env"`
	// EnvBase64 holds the same values base64-encoded: byte-exact even where a value is not valid UTF-8.
	EnvBase64 map[string]string `json:"envBase64"`
	Cgroup    CgroupLimits      `json:"cgroup"`
	Addresses []Address         `json:"addresses"`
	Listeners []Listener        `json:"listeners"`
	Files     map[string]string `json:"files,omitempty"`
	Checks    map[string]string `json:"checks,omitempty"`
	Request   *RequestInfo      `json:"request,omitempty"`
}

// CgroupLimits as the kernel applies them to this container. Nil: unlimited or not readable.
type CgroupLimits struct {
	Version          int      `json:"version"`
	MemoryLimitBytes *int64   `json:"memoryLimitBytes"`
	CPUQuotaUs       *int64   `json:"cpuQuotaUs"`
	CPUPeriodUs      *int64   `json:"cpuPeriodUs"`
	CPUs             *float64 `json:"cpus"`
	PidsMax          *int64   `json:"pidsMax"`
}

type Address struct {
	Interface string `json:"interface"`
	CIDR      string `json:"cidr"`
}

type Listener struct {
	Role string `json:"role"`
	Addr string `json:"addr"`
	Port int    `json:"port"`
}

type RequestInfo struct {
	Port       int                 `json:"port"`
	Method     string              `json:"method"`
	Host       string              `json:"host"`
	Path       string              `json:"path"`
	RemoteAddr string              `json:"remoteAddr"`
	Headers    map[string][]string `json:"headers"`
}

var state = struct {
	sync.Mutex
	started   time.Time
	listeners []Listener
	files     map[string]string
	checks    map[string]string
}{started: time.Now(), files: map[string]string{}, checks: map[string]string{}}

// stateFile is where the server (PID 1) keeps what `standin report`, run by `docker exec`, cannot see itself.
const stateFile = "/tmp/.standin-state.json"

type savedState struct {
	Argv      []string          `json:"argv"`
	StartedAt string            `json:"startedAt"`
	Listeners []Listener        `json:"listeners"`
	Files     map[string]string `json:"files"`
	Checks    map[string]string `json:"checks"`
}

// saveState runs with state locked; only the container's main process (PID 1) writes.
func saveState() {
	if os.Getpid() != 1 {
		return
	}
	b, _ := json.Marshal(savedState{Argv: os.Args, StartedAt: state.started.UTC().Format(time.RFC3339Nano), Listeners: state.listeners, Files: state.files, Checks: state.checks})
	_ = os.WriteFile(stateFile+".tmp", b, 0o600)
	_ = os.Rename(stateFile+".tmp", stateFile)
}

func noteListener(l Listener) {
	state.Lock()
	defer state.Unlock()
	state.listeners = append(state.listeners, l)
	saveState()
}

func noteFile(path, content string) {
	state.Lock()
	defer state.Unlock()
	state.files[path] = content
	saveState()
}

func noteCheck(name, result string) {
	state.Lock()
	defer state.Unlock()
	state.checks[name] = result
	saveState()
}

func collectReport(r *http.Request) Report {
	cfg := loadImageConfig()
	env := map[string]string{}
	env64 := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
		env64[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	host, _ := os.Hostname()
	cwd, _ := os.Getwd()
	rep := Report{
		Image: cfg.Image, Profile: cfg.Profile, Argv: os.Args, Pid: os.Getpid(), Uid: os.Getuid(), Cwd: cwd,
		Hostname: host, StartedAt: state.started.UTC().Format(time.RFC3339Nano), Env: env, EnvBase64: env64,
		Cgroup: readCgroup("/sys/fs/cgroup"), Addresses: addresses(),
	}
	state.Lock()
	rep.Listeners = append([]Listener{}, state.listeners...)
	if len(state.files) > 0 {
		rep.Files = map[string]string{}
		for k, v := range state.files {
			rep.Files[k] = v
		}
	}
	if len(state.checks) > 0 {
		rep.Checks = map[string]string{}
		for k, v := range state.checks {
			rep.Checks[k] = v
		}
	}
	state.Unlock()
	if r != nil {
		port := 0
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			if ta, ok := a.(*net.TCPAddr); ok {
				port = ta.Port
			}
		}
		rep.Request = &RequestInfo{Port: port, Method: r.Method, Host: r.Host, Path: r.URL.RequestURI(), RemoteAddr: r.RemoteAddr, Headers: r.Header}
	}
	return rep
}

// mainProcess replaces what this process knows by what the container's main process got and did (for `standin
// report` under `docker exec`): PID 1's environment and argv, and the state it saved.
func mainProcess(rep *Report) {
	if b, err := os.ReadFile("/proc/1/environ"); err == nil {
		env, env64 := map[string]string{}, map[string]string{}
		for _, kv := range strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
			env64[k] = base64.StdEncoding.EncodeToString([]byte(v))
		}
		rep.Env, rep.EnvBase64 = env, env64
	}
	b, err := os.ReadFile(stateFile)
	if err != nil {
		return
	}
	var saved savedState
	if json.Unmarshal(b, &saved) != nil {
		return
	}
	rep.Pid, rep.Argv, rep.StartedAt, rep.Listeners = 1, saved.Argv, saved.StartedAt, saved.Listeners
	if len(saved.Files) > 0 {
		rep.Files = saved.Files
	}
	if len(saved.Checks) > 0 {
		rep.Checks = saved.Checks
	}
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

func addresses() []Address {
	out := []Address{}
	ifaces, err := net.Interfaces()
	if err != nil {
		return out
	}
	for _, ifc := range ifaces {
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			out = append(out, Address{Interface: ifc.Name, CIDR: a.String()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Interface+out[i].CIDR < out[j].Interface+out[j].CIDR })
	return out
}

func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n, err == nil
}

// readCgroup reads the limits of cgroup v1 (memory, cpu, pids controllers) or, failing that, v2 (unified).
func readCgroup(root string) CgroupLimits {
	var c CgroupLimits
	if mem, ok := readInt(root + "/memory/memory.limit_in_bytes"); ok {
		c.Version = 1
		if mem < 1<<62 {
			c.MemoryLimitBytes = &mem
		}
		if q, ok := readInt(root + "/cpu/cpu.cfs_quota_us"); ok {
			c.CPUQuotaUs = &q
		}
		if p, ok := readInt(root + "/cpu/cpu.cfs_period_us"); ok {
			c.CPUPeriodUs = &p
		}
		if p, ok := readInt(root + "/pids/pids.max"); ok {
			c.PidsMax = &p
		}
	} else if b, err := os.ReadFile(root + "/cpu.max"); err == nil || fileExists(root+"/memory.max") {
		c.Version = 2
		if m, ok := readInt(root + "/memory.max"); ok {
			c.MemoryLimitBytes = &m
		}
		if err == nil {
			f := strings.Fields(string(b))
			if len(f) == 2 {
				q := int64(-1)
				if f[0] != "max" {
					q, _ = strconv.ParseInt(f[0], 10, 64)
				}
				p, _ := strconv.ParseInt(f[1], 10, 64)
				c.CPUQuotaUs, c.CPUPeriodUs = &q, &p
			}
		}
		if p, ok := readInt(root + "/pids.max"); ok {
			c.PidsMax = &p
		}
	}
	if c.CPUQuotaUs != nil && c.CPUPeriodUs != nil && *c.CPUQuotaUs > 0 && *c.CPUPeriodUs > 0 {
		cpus := float64(*c.CPUQuotaUs) / float64(*c.CPUPeriodUs)
		c.CPUs = &cpus
	}
	return c
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
