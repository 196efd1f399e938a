// Deleting files and folders off the GUI thread: unlinking a 14.5 GB partial download or a
// repo folder of a cancelled download can take seconds on some file systems. The path is
// first renamed, on the calling thread, to a hidden name beside it (a rename is one metadata
// operation), so that a download started again at once finds its path free; the renamed
// file or folder is then deleted on a thread of the global QThreadPool.
#pragma once
#include <QString>
#include <functional>

namespace coil::hub {

// Deletes `path` (a file, or a folder with all it holds) in the background. Returns at once;
// a path that does not exist is ignored. A failed deletion leaves a hidden ".coil-deleting-*"
// entry beside the path (sweepBackgroundRemovals() retries it).
void removeInBackground(const QString& path);

// Deletes, in the background, the ".coil-deleting-*" entries an interrupted run left in
// `dir` (not recursive).
void sweepBackgroundRemovals(const QString& dir);

// Tests: called on the deleting thread with the path about to be deleted (the hidden name),
// before it is deleted. {} clears it.
void setBackgroundRemovalHookForTests(std::function<void(const QString&)> hook);

// Tests: waits until every deletion started so far has finished.
void waitForBackgroundRemovals();

}  // namespace coil::hub
