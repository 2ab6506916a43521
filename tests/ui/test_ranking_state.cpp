// RankingState, the pure pick logic: order, ties by '=', take back, the last card placed by
// Enter, mouse moves and drop-to-tie, loading an earlier ranking.
#include <QtTest>

#include "ui/ranking_state.h"

using prefstudio::ui::RankingState;

class TestRankingState : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void picksGiveDenseRanksBestFirst() {
    RankingState state(4);
    QVERIFY(state.pick(2));
    QVERIFY(!state.pick(2));  // placed already
    QVERIFY(!state.pick(7));  // no such card
    QVERIFY(state.pick(0));
    QCOMPARE(state.ranks(), (std::vector<int>{1, -1, 0, -1}));
    QVERIFY(!state.complete());
  }

  void equalTiesTheNextPick() {
    RankingState state(4);
    state.pick(1);
    state.tieNext();
    QVERIFY(state.tiePending());
    state.pick(3);
    state.pick(0);
    QVERIFY(state.placeLast());
    QCOMPARE(state.ranks(), (std::vector<int>{1, 0, 2, 0}));
    QVERIFY(state.complete());
  }

  void takeBackCancelsTieThenPicks() {
    RankingState state(3);
    state.pick(0);
    state.tieNext();
    QVERIFY(state.takeBack());
    QVERIFY(!state.tiePending());
    QCOMPARE(state.placedCount(), 1);
    QVERIFY(state.takeBack());
    QCOMPARE(state.placedCount(), 0);
    QVERIFY(!state.takeBack());
  }

  void placeLastOnlyWithOneLeft() {
    RankingState state(3);
    state.pick(1);
    QVERIFY(!state.placeLast());
    state.pick(2);
    QVERIFY(state.placeLast());
    QCOMPARE(state.ranks(), (std::vector<int>{2, 0, 1}));
  }

  void lastCardTiesWhenTiePending() {
    RankingState state(3);
    state.pick(0);
    state.pick(1);
    state.tieNext();
    state.placeLast();
    QCOMPARE(state.ranks(), (std::vector<int>{0, 1, 1}));
  }

  void moveToReordersAndBreaksOnlyItsOwnTie() {
    RankingState state(4);
    state.setRanks({0, 1, 1, 2});  // 0 > 1 = 2 > 3
    QVERIFY(state.moveTo(3, 0));   // 3 > 0 > 1 = 2
    QCOMPARE(state.ranks(), (std::vector<int>{1, 2, 2, 0}));
    QVERIFY(state.moveTo(1, 99));  // clamps to the end: 3 > 0 > 2 > 1
    QCOMPARE(state.ranks(), (std::vector<int>{1, 3, 2, 0}));
  }

  void removingAGroupHeadKeepsTheRestOfTheGroup() {
    RankingState state(4);
    state.setRanks({0, 0, 0, 1});
    state.moveTo(0, 3);  // 1 = 2 > 3 > 0
    QCOMPARE(state.ranks(), (std::vector<int>{2, 0, 0, 1}));
  }

  void tieWithPlacesTargetFirst() {
    RankingState state(3);
    QVERIFY(state.tieWith(2, 1));  // target unplaced: 1 = 2
    QCOMPARE(state.ranks(), (std::vector<int>{-1, 0, 0}));
    QVERIFY(!state.tieWith(1, 1));
    state.pick(0);
    QVERIFY(state.tieWith(0, 2));  // 1 = 2 = 0
    QCOMPARE(state.ranks(), (std::vector<int>{0, 0, 0}));
  }

  void setRanksRoundTrips() {
    RankingState state(5);
    std::vector<int> ranks = {2, 0, 1, 0, 2};
    state.setRanks(ranks);
    QCOMPARE(state.ranks(), ranks);
    QVERIFY(state.complete());
  }
};

QTEST_GUILESS_MAIN(TestRankingState)
#include "test_ranking_state.moc"
