// The Hugging Face access token saved in Coil (Settings or the Models page), for gated and
// private repos: <data folder>/hf_token, readable by its owner only, like huggingface_hub's
// $HF_HOME/token. A saved token wins over HF_TOKEN (hub::HubSettings::fromEnvironment).
// With no data folder (tests, an in-memory app) it is kept in memory. The remote endpoint's
// API key is kept the same way, in a file of its own (RemoteController: remote_api_key).
#pragma once
#include <QString>

namespace coil::app {

class HubTokenStore {
 public:
  explicit HubTokenStore(QString dataDir, const QString& fileName = QStringLiteral("hf_token"));

  QString token() const;
  // An empty token removes the saved one. False (with *error) when it could not be written.
  bool setToken(const QString& token, QString* error);

 private:
  QString path_;  // "" in memory
  QString memory_;
};

}  // namespace coil::app
