"""Given names and surnames for synthetic members.

Surnames are among the most frequent in the 2010 Census surname file; given names are
among the most popular in Social Security card applications across recent decades.
Names are drawn independently, so any match with a real person is chance.
"""

from __future__ import annotations

FEMALE_NAMES: tuple[str, ...] = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly",
    "Emily", "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie",
    "Dorothy", "Rebecca", "Sharon", "Laura", "Cynthia", "Amy", "Kathleen", "Angela",
    "Shirley", "Brenda", "Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Aaliyah",
    "Keisha", "Tanisha", "Ebony", "Fatima", "Mei", "Olga", "Chaya", "Nadia",
)
MALE_NAMES: tuple[str, ...] = (
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
    "Christopher", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven",
    "Andrew", "Paul", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald",
    "Jason", "Edward", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan",
    "Liam", "Noah", "Elijah", "Jayden", "DeShawn", "Tyrone", "Malik", "Mohammed", "Wei",
    "Dmitri", "Yosef", "Ahmed", "Samuel", "Isaiah", "Andre",
)
HISPANIC_FEMALE_NAMES: tuple[str, ...] = (
    "Maria", "Ana", "Carmen", "Rosa", "Guadalupe", "Yesenia", "Luz", "Gabriela", "Daniela",
    "Valentina", "Camila", "Lucia", "Marisol", "Yolanda", "Altagracia",
)
HISPANIC_MALE_NAMES: tuple[str, ...] = (
    "Jose", "Luis", "Carlos", "Juan", "Jorge", "Miguel", "Angel", "Pedro", "Rafael",
    "Santiago", "Mateo", "Javier", "Ramon", "Francisco", "Hector",
)
SURNAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
    "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
    "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart",
    "Morris", "Murphy", "Cook", "Rogers", "Kowalski", "Nowak", "Russo", "Esposito",
    "Washington", "Jefferson", "Chen", "Wang", "Li", "Zhang", "Kim", "Patel", "Khan",
    "Rahman", "Cohen", "Friedman", "Ivanov", "Pierre", "Jean", "Okafor", "Nguyen", "O'Brien",
)
HISPANIC_SURNAMES: tuple[str, ...] = (
    "Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez",
    "Ramirez", "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Reyes", "Cruz", "Morales",
    "Ortiz", "Ramos", "Santiago", "Vazquez", "Colon", "Rosario", "Jimenez", "Pena",
)
