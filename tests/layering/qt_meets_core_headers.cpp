// Qt first, with its keywords on (`slots`, `signals`, `emit` are macros here, as in a Qt program
// without QT_NO_KEYWORDS), then every PUBLIC header of core. If any of them pulled in a torch
// header this would not compile: ATen has a member named slots(). The list is core's public API:
// the headers ui/ and app/ may include. A new public header of core belongs here.
#include <QObject>
#include <QString>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/completion_scorer.h"
#include "core/model/content_hash.h"
#include "core/model/gpt_config.h"
#include "core/model/model_init.h"
#include "core/model/safetensors_header.h"
#include "core/optim/optimizer_config.h"
#include "core/optim/optimizer_state_report.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/byte_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/train/demo_task.h"
#include "core/train/dpo_loss_kind.h"
#include "core/train/generation_config.h"
#include "core/train/lr_schedule.h"
#include "core/train/metrics_sink.h"
#include "core/train/sft_config.h"
#include "core/train/sft_example.h"
#include "core/train/sft_jsonl.h"
#include "core/train/sft_trainer.h"
#include "core/train/text_generator.h"

#include <cstdio>

int main() {
  // Use core through its public API from a Qt translation unit, so the link is checked too.
  prefstudio::GptConfig config;
  QString count = QString::number(static_cast<qlonglong>(config.parameter_count()));
  const bool ok = count == QStringLiteral("124439808");  // GPT-2 small, tied embeddings
  std::printf("GPT-2 small from a Qt translation unit: %s parameters: %s\n", qPrintable(count),
              ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
