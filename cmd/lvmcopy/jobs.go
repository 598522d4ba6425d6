package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ietkit/ietkit/pkg/lvm"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/urfave/cli/v2"
)

// copyOptions are what every copying command shares.
type copyOptions struct {
	conf          *lvm.ToolsConf
	compress      lvm.Compression
	verify        bool
	hash          lvm.HashKind
	direct        bool
	buffered      bool
	sparse        bool
	prepare       bool
	minRate       float64
	minRateFail   bool
	json          bool
	ssh           sshOptions
	remoteLvmcopy string
}

type sshOptions struct {
	user       string
	port       int
	identity   []string
	knownHosts string
	acceptNew  bool
}

// loadToolsConf reads lvm_tools.conf, warning about what it ignores.
func (g *globals) loadToolsConf(c *cli.Context) (*lvm.ToolsConf, error) {
	conf, err := lvm.LoadToolsConf(c.String("config"))
	if err != nil {
		return nil, usagef("%v", err)
	}
	for _, w := range conf.Warnings {
		g.log.Warn(w)
	}
	return conf, nil
}

// copyOptionsFrom reads the copy and ssh flags, lvm_tools.conf filling in
// what the flags leave unset.
func (g *globals) copyOptionsFrom(c *cli.Context) (copyOptions, error) {
	conf, err := g.loadToolsConf(c)
	if err != nil {
		return copyOptions{}, err
	}
	o := copyOptions{
		conf:          conf,
		verify:        c.Bool("verify") || conf.Verify,
		hash:          lvm.HashKind(c.String("hash")),
		direct:        c.Bool("direct") || conf.Direct,
		buffered:      c.Bool("buffered"),
		sparse:        c.Bool("sparse"),
		prepare:       c.Bool("prepare"),
		minRate:       conf.MinRate,
		minRateFail:   c.Bool("min-rate-fail"),
		json:          c.Bool("json"),
		remoteLvmcopy: c.String("remote-lvmcopy"),
		ssh: sshOptions{user: c.String("ssh-user"), port: c.Int("ssh-port"), identity: c.StringSlice("identity"),
			knownHosts: c.String("known-hosts"), acceptNew: c.Bool("accept-new-host-key")},
	}
	if c.IsSet("min-rate") {
		o.minRate = c.Float64("min-rate")
	}
	if o.minRate < 0 {
		return copyOptions{}, usagef("--min-rate %v: want 0 or more", o.minRate)
	}
	if o.minRateFail && o.minRate == 0 {
		return copyOptions{}, usagef("--min-rate-fail needs a minimum rate (--min-rate or MIN_TRANSFER_RATE)")
	}
	switch {
	case c.Bool("gzip") && c.IsSet("compress") && c.String("compress") != "gzip":
		return copyOptions{}, usagef("-z is gzip; --compress %s contradicts it", c.String("compress"))
	case c.Bool("gzip"):
		o.compress = lvm.Gzip
	default:
		o.compress = lvm.Compression(c.String("compress"))
	}
	switch o.compress {
	case lvm.NoCompression, lvm.Gzip, lvm.Zstd:
	default:
		return copyOptions{}, usagef("--compress %q: want gzip or zstd", o.compress)
	}
	if _, err := lvm.NewHash(o.hash); err != nil {
		return copyOptions{}, usagef("--hash: %v", err)
	}
	if conf.SSHUser != "" && o.ssh.user == "" {
		o.ssh.user = conf.SSHUser
	}
	if conf.SSHPort != 0 && o.ssh.port == 0 {
		o.ssh.port = conf.SSHPort
	}
	if conf.SSHIdentity != "" && len(o.ssh.identity) == 0 {
		o.ssh.identity = []string{conf.SSHIdentity}
	}
	return o, nil
}

// parseEndpoint reads a spec flag as a usage error when malformed.
func parseEndpoint(flag, spec string) (lvm.Endpoint, error) {
	if spec == "" {
		return lvm.Endpoint{}, usagef("--%s (-%c) is required", flag, flag[0])
	}
	e, err := lvm.ParseEndpoint(spec)
	if err != nil {
		return lvm.Endpoint{}, usagef("--%s: %v", flag, err)
	}
	return e, nil
}

// dialer reaches remote endpoints with the ssh options.
func (g *globals) dialer(o sshOptions) lvm.Dialer {
	return func(ctx context.Context, e lvm.Endpoint) (*remote.SSH, error) {
		cfg := remote.SSHConfig{Host: e.Host, Port: e.Port, User: e.User, IdentityFiles: o.identity,
			UseAgent: true, AcceptNewHostKey: o.acceptNew, Logger: g.log}
		if cfg.Port == 0 {
			cfg.Port = o.port
		}
		if cfg.User == "" {
			cfg.User = o.user
		}
		if o.knownHosts != "" {
			cfg.KnownHostsFiles = []string{o.knownHosts}
		}
		return remote.DialSSH(ctx, cfg)
	}
}

// job builds the copy job of src and dst.
func (g *globals) job(o copyOptions, src, dst lvm.Endpoint, counter lvm.Counter) lvm.CopyJob {
	return lvm.CopyJob{Src: src, Dst: dst, Verify: o.verify, Hash: o.hash, Compress: o.compress, Sparse: o.sparse,
		Direct: o.direct, Buffered: o.buffered, PrepareOnly: o.prepare, Counter: counter, RemoteLvmcopy: o.remoteLvmcopy,
		Dial: g.dialer(o.ssh), Log: g.log}
}

// runWithProgress runs fn with a progress counter for size bytes, which
// may cancel the run when the rate stays too low (--min-rate-fail).
func (g *globals) runWithProgress(ctx context.Context, o copyOptions, label string, fn func(ctx context.Context, counter lvm.Counter) (lvm.CopyReport, error)) (lvm.CopyReport, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	p := newProgress(g.stderr, g.log, label, o.minRate, o.minRateFail, cancel)
	defer p.stop()
	rep, err := fn(ctx, p)
	if cause := context.Cause(ctx); cause != nil && err != nil && cause != context.Canceled {
		err = fmt.Errorf("%w (%v)", err, cause)
	}
	return rep, err
}

// printReport prints a copy's summary.
func printReport(w io.Writer, rep lvm.CopyReport, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(jsonReport(rep))
		return
	}
	r := rep.Result
	fmt.Fprintf(w, "Copied %s to %s: %s in %s (%s/s), %s.\n", rep.Src, rep.Dst, human(r.Read),
		r.Duration.Round(time.Millisecond), human(int64(r.Rate())), transport(rep.Transport))
	if r.Holes > 0 {
		fmt.Fprintf(w, "%s of zeros became holes.\n", human(r.Holes))
	}
	if rep.SourceSum != "" {
		fmt.Fprintf(w, "Verified: %s %s of the source and of the target.\n", rep.Hash, rep.SourceSum)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
}

func transport(t string) string {
	switch t {
	case "agent":
		return "through lvmcopy's agent on the other host"
	case "dd":
		return "through dd on the other host"
	}
	return "on this host"
}

type reportJSON struct {
	Source    string  `json:"source"`
	Target    string  `json:"target"`
	Bytes     int64   `json:"bytes"`
	Written   int64   `json:"written"`
	Holes     int64   `json:"holes"`
	Seconds   float64 `json:"seconds"`
	Rate      float64 `json:"bytes_per_second"`
	Hash      string  `json:"hash,omitempty"`
	Source_   string  `json:"source_sum,omitempty"`
	Target_   string  `json:"target_sum,omitempty"`
	Transport string  `json:"transport"`
	// Unbuffered: the target was written with O_DIRECT.
	Unbuffered bool     `json:"unbuffered"`
	Notes      []string `json:"notes"`
}

func jsonReport(rep lvm.CopyReport) reportJSON {
	r := reportJSON{Source: rep.Src, Target: rep.Dst, Bytes: rep.Result.Read, Written: rep.Result.Written, Holes: rep.Result.Holes,
		Seconds: rep.Result.Duration.Seconds(), Rate: rep.Result.Rate(), Source_: rep.SourceSum, Target_: rep.TargetSum,
		Transport: rep.Transport, Unbuffered: rep.Unbuffered, Notes: append([]string{}, rep.Notes...)}
	if rep.SourceSum != "" {
		r.Hash = string(rep.Hash)
	}
	return r
}

// human prints a byte count in binary units.
func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
