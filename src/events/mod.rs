//! Events: supervisord's event types and payloads, and eventlistener pools
//! speaking the listener protocol.
