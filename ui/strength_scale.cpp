// StrengthScale (see strength_scale.h). Buttons take no focus: Left/Right in the view move it.
#include "ui/strength_scale.h"

#include <QButtonGroup>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace prefstudio::ui {

StrengthScale::StrengthScale(QWidget* parent) : QWidget(parent), group_(new QButtonGroup(this)) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(4);
  auto* caption = new QLabel(tr("How much better?"), this);
  layout->addWidget(caption);
  const QStringList labels = {tr("1 much better"),     tr("1 better"),
                              tr("1 slightly better"), tr("Tie (=)"),
                              tr("2 slightly better"), tr("2 better"),
                              tr("2 much better")};
  for (int i = 0; i < labels.size(); ++i) {
    auto* button = new QPushButton(labels[i], this);
    button->setCheckable(true);
    button->setFocusPolicy(Qt::NoFocus);
    button->setObjectName("strengthStep");
    group_->addButton(button, i);
    layout->addWidget(button);
  }
  layout->addStretch(1);
  connect(group_, &QButtonGroup::idClicked, this, [this](int id) {
    step_ = id;
    Q_EMIT stepChosen(id);
  });
}

void StrengthScale::setStep(int step) {
  step_ = step;
  if (step < 0) {
    group_->setExclusive(false);  // an exclusive group cannot uncheck its last button
    for (auto* button : group_->buttons()) button->setChecked(false);
    group_->setExclusive(true);
  } else if (auto* button = group_->button(step)) {
    button->setChecked(true);
  }
}

}  // namespace prefstudio::ui
