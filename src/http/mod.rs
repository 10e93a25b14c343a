//! HTTP servers on the unix socket and TCP: auth, XML-RPC at /RPC2,
//! /logtail and /mainlogtail streaming, and the web UI.
