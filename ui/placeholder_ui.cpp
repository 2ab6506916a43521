// Removed when the first ui/ class lands.
namespace prefstudio::ui {}
