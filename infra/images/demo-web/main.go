// Command demo-web answers GET / with the pod's hostname and a short text. It listens on :8080
// (LISTEN_ADDRESS or -listen to change it) and shuts down cleanly on SIGTERM or SIGINT. Called as
// `hostname` (the image links /bin/hostname to it) it prints the hostname, so that
// `kubectl exec … -- hostname` works in an image without a shell.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

const version = "1.1"

func main() {
	if filepath.Base(os.Args[0]) == "hostname" {
		printHostname()
		return
	}
	defaultAddress := ":8080"
	if v := os.Getenv("LISTEN_ADDRESS"); v != "" {
		defaultAddress = v
	}
	address := flag.String("listen", defaultAddress, "address to listen on")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Printf("demo-web %s\n", version)
		return
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		hostname, err := os.Hostname()
		if err != nil {
			hostname = "unknown"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "hostname: %s\nHello from gardener-ts demo-web %s.\n", hostname, version)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})

	server := &http.Server{Addr: *address, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	served := make(chan error, 1)
	go func() { served <- server.ListenAndServe() }()
	log.Printf("demo-web %s listening on %s", version, *address)

	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("demo-web: %v", err)
		}
	case <-ctx.Done():
		log.Printf("demo-web: shutting down")
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := server.Shutdown(shutdown); err != nil {
			log.Fatalf("demo-web: shutdown: %v", err)
		}
	}
}

func printHostname() {
	hostname, err := os.Hostname()
	if err != nil {
		fmt.Fprintf(os.Stderr, "hostname: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(hostname)
}
