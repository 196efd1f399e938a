// Internal: one function per export format (export.cpp dispatches).
#pragma once
#include <QByteArray>
#include <QJsonObject>

namespace coil::storage {

class ChatStore;

QByteArray exportJsonOne(const ChatStore& store, qint64 conversationId);
QByteArray exportJsonAll(const ChatStore& store);
QString markdownOf(const ChatStore& store, qint64 conversationId);
QString plainTextOf(const ChatStore& store, qint64 conversationId);
QJsonObject openAiOf(const ChatStore& store, qint64 conversationId);

}  // namespace coil::storage
