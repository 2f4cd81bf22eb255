//! Renderers over the demo tenant's golden backup.
