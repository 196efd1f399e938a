// Where the Hub is, who we are to it, where its files go, and how patiently we retry.
#pragma once
#include <QString>

namespace coil::hub {

struct HubSettings {
  QString endpoint = QStringLiteral("https://huggingface.co");  // HF_ENDPOINT, no trailing '/'
  QString token;         // sent as "Authorization: Bearer ..." to the endpoint's host only
  QString cacheDir;      // the hub cache root that holds models--org--name/
  bool offline = false;  // HF_HUB_OFFLINE: only the cache, never the network

  int maxRetries = 5;           // consecutive failed attempts without progress, per file
  int retryBaseDelayMs = 1000;  // backoff: base * 2^attempt, capped
  int retryMaxDelayMs = 30000;
  int transferTimeoutMs = 60000;  // abort (and retry) a transfer idle for this long
  int apiTimeoutMs = 15000;       // an API answer (search, file list) idle for this long

  // From the environment the Python tools use: HF_ENDPOINT; the token from `savedToken`
  // (e.g. the app's settings) if not empty, else HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else
  // the file $HF_TOKEN_PATH or $HF_HOME/token; the cache from defaultCacheDir();
  // HF_HUB_OFFLINE.
  static HubSettings fromEnvironment(const QString& savedToken = {});

  // $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
  // $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
  static QString defaultCacheDir();
  // $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
  static QString hfHome();
};

// "1", "true", "yes", "on" (any case) are true.
bool isTruthy(const QString& value);

}  // namespace coil::hub
