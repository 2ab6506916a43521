// ConfigForm (see config_form.h).
#include "ui/training/config_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>
#include <QVBoxLayout>

namespace prefstudio::ui {

namespace {

const char* const kErrorStyle = "border: 2px solid #c0392b;";

bool isPathKey(const QString& key) {
  const QString last = key.section('.', -1);
  return last.endsWith("_dir") || last.endsWith("_path") || last == "resume_from" ||
         last == "ptx_data" || key == "reward.model";
}

QString numberText(double value) { return QString::number(value, 'g', 12); }

// Text as JSON: an integer, a number, or else the text itself (`config check` then names the
// field that wanted a number).
QJsonValue parseScalar(const QString& text) {
  bool ok = false;
  const qlonglong integer = text.toLongLong(&ok);
  if (ok) return QJsonValue(integer);
  const double number = text.toDouble(&ok);
  if (ok) return QJsonValue(number);
  return QJsonValue(text);
}

}  // namespace

ConfigForm::ConfigForm(QWidget* parent) : QScrollArea(parent) {
  setObjectName("configForm");
  setWidgetResizable(true);
}

void ConfigForm::build(const QJsonObject& defaults, const QJsonObject& choices) {
  fields_.clear();
  defaults_.clear();
  order_.clear();
  markedKey_.clear();
  body_ = new QWidget;
  auto* column = new QVBoxLayout(body_);
  error_ = new QLabel(body_);
  error_->setObjectName("configError");
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #c0392b; font-weight: bold;");
  error_->hide();
  column->addWidget(error_);
  auto* layout = new QFormLayout;
  layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  column->addLayout(layout);
  column->addStretch();
  addFields(layout, defaults, QString(), choices);
  setWidget(body_);  // deletes the previous body
}

void ConfigForm::addFields(QFormLayout* layout, const QJsonObject& object, const QString& prefix,
                           const QJsonObject& choices) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const QString key = prefix.isEmpty() ? it.key() : prefix + "." + it.key();
    if (it.value().isObject()) {
      auto* group = new QGroupBox(key, body_);
      auto* inner = new QFormLayout(group);
      addFields(inner, it.value().toObject(), key, choices);
      layout->addRow(group);
      continue;
    }
    layout->addRow(it.key(), makeField(key, it.value(), choices));
  }
}

QWidget* ConfigForm::makeField(const QString& key, const QJsonValue& value,
                               const QJsonObject& choices) {
  defaults_.insert(key, value);
  order_.push_back(key);
  QWidget* editor = nullptr;
  QWidget* row = nullptr;
  if (value.isBool()) {
    auto* box = new QCheckBox(body_);
    box->setChecked(value.toBool());
    connect(box, &QCheckBox::toggled, this, &ConfigForm::edited);
    editor = box;
  } else if (choices.contains(key)) {
    auto* combo = new QComboBox(body_);
    for (const QJsonValue& choice : choices.value(key).toArray()) combo->addItem(choice.toString());
    combo->setCurrentText(value.toString());
    connect(combo, &QComboBox::currentTextChanged, this, &ConfigForm::edited);
    editor = combo;
  } else {
    auto* line = new QLineEdit(body_);
    if (value.isDouble()) line->setText(numberText(value.toDouble()));
    if (value.isString()) line->setText(value.toString());
    if (value.isArray()) {
      QStringList items;
      for (const QJsonValue& item : value.toArray()) items << item.toString();
      line->setText(items.join(", "));
      line->setPlaceholderText(tr("comma-separated; empty = all"));
    }
    if (value.isNull()) line->setPlaceholderText(tr("not set"));
    connect(line, &QLineEdit::textEdited, this, &ConfigForm::edited);
    editor = line;
    if (isPathKey(key)) {
      row = new QWidget(body_);
      auto* box = new QHBoxLayout(row);
      box->setContentsMargins(0, 0, 0, 0);
      box->addWidget(line);
      auto* browse = new QToolButton(row);
      browse->setText("...");
      connect(browse, &QToolButton::clicked, this, [this, line, key] {
        const QString dir = key.endsWith("_path") || key.endsWith("ptx_data")
                                ? QFileDialog::getOpenFileName(this, key, line->text())
                                : QFileDialog::getExistingDirectory(this, key, line->text());
        if (!dir.isEmpty()) line->setText(dir);
        Q_EMIT edited();
      });
      box->addWidget(browse);
    }
  }
  editor->setObjectName("field:" + key);
  fields_.insert(key, editor);
  return row ? row : editor;
}

QStringList ConfigForm::setValues(const QJsonObject& values) {
  QStringList unknown;
  std::function<void(const QJsonObject&, const QString&)> walk = [&](const QJsonObject& object,
                                                                     const QString& prefix) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      const QString key = prefix.isEmpty() ? it.key() : prefix + "." + it.key();
      if (it.value().isObject() && !fields_.contains(key)) {
        walk(it.value().toObject(), key);
      } else if (fields_.contains(key)) {
        setValue(key, it.value());
      } else {
        unknown << key;
      }
    }
  };
  walk(values, QString());
  return unknown;
}

void ConfigForm::setValue(const QString& key, const QJsonValue& value) {
  QWidget* editor = fields_.value(key);
  if (auto* box = qobject_cast<QCheckBox*>(editor)) box->setChecked(value.toBool());
  if (auto* combo = qobject_cast<QComboBox*>(editor)) combo->setCurrentText(value.toString());
  auto* line = qobject_cast<QLineEdit*>(editor);
  if (!line) return;
  if (value.isDouble()) line->setText(numberText(value.toDouble()));
  else if (value.isString()) line->setText(value.toString());
  else if (value.isNull()) line->clear();
  else if (value.isArray()) {
    QStringList items;
    for (const QJsonValue& item : value.toArray()) items << item.toString();
    line->setText(items.join(", "));
  }
}

QJsonValue ConfigForm::value(const QString& key) const { return readField(key); }

QJsonValue ConfigForm::readField(const QString& key) const {
  QWidget* editor = fields_.value(key);
  if (auto* box = qobject_cast<QCheckBox*>(editor)) return box->isChecked();
  if (auto* combo = qobject_cast<QComboBox*>(editor))
    return combo->currentText().isEmpty() ? QJsonValue(QJsonValue::Undefined)
                                          : QJsonValue(combo->currentText());
  const auto* line = qobject_cast<QLineEdit*>(editor);
  if (!line) return QJsonValue(QJsonValue::Undefined);
  const QString text = line->text().trimmed();
  const QJsonValue def = defaults_.value(key);
  if (def.isArray()) {
    QJsonArray items;
    for (const QString& item : text.split(',', Qt::SkipEmptyParts))
      if (!item.trimmed().isEmpty()) items.push_back(item.trimmed());
    return items;
  }
  if (text.isEmpty()) return QJsonValue(QJsonValue::Undefined);  // left out: the default
  if (def.isString()) return text;
  return parseScalar(text);
}

QJsonObject ConfigForm::toJson() const {
  QJsonObject root;
  for (const QString& key : order_) {
    const QJsonValue value = readField(key);
    if (value.isUndefined()) continue;
    const QStringList parts = key.split('.');
    // Set root[parts[0]][parts[1]]... = value, creating the nested objects.
    std::function<void(QJsonObject&, int)> put = [&](QJsonObject& object, int depth) {
      if (depth == parts.size() - 1) {
        object.insert(parts[depth], value);
        return;
      }
      QJsonObject child = object.value(parts[depth]).toObject();
      put(child, depth + 1);
      object.insert(parts[depth], child);
    };
    put(root, 0);
  }
  return root;
}

bool ConfigForm::showError(const QString& cliField, const QString& message) {
  clearError();
  error_->setText(message);
  error_->show();
  const QString key = cliField.section('.', 1);  // "dpo.optimizer.lr" -> "optimizer.lr"
  QWidget* editor = fields_.value(key);
  if (!editor) {
    ensureWidgetVisible(error_);
    return false;
  }
  markedKey_ = key;
  editor->setStyleSheet(kErrorStyle);
  editor->setToolTip(message);
  ensureWidgetVisible(editor);
  editor->setFocus();
  return true;
}

void ConfigForm::clearError() {
  if (error_) error_->hide();
  if (QWidget* editor = fields_.value(markedKey_)) {
    editor->setStyleSheet(QString());
    editor->setToolTip(QString());
  }
  markedKey_.clear();
}

QString ConfigForm::errorText() const { return error_ && !error_->isHidden() ? error_->text() : QString(); }

}  // namespace prefstudio::ui
