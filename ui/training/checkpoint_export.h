// Exports a checkpoint folder as a model folder Hugging Face `transformers` loads (config.json,
// model.safetensors, the tokenizer files). An online-RL checkpoint holds the policy in policy/
// beside its critic and optimizer state: the policy is what is exported. The copy is made under
// a temporary name and renamed, so a failed export leaves nothing that looks like a model.
#pragma once

#include <QString>

namespace prefstudio::ui {

// The folder of `checkpoint` that is the model (itself, or its policy/); "" if neither has a
// config.json.
QString modelFolderOf(const QString& checkpoint);

// Copies the model of `checkpoint` to `destination` (which must not exist). False with *error
// naming the file on failure.
bool exportCheckpoint(const QString& checkpoint, const QString& destination, QString* error);

}  // namespace prefstudio::ui
